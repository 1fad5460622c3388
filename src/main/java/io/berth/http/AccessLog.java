package io.berth.http;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Map;

/** One JSON line per request on the "berth.access" logger: method, path, status, bytes, duration, client. */
public final class AccessLog extends Handler.Wrapper {
    private static final Logger LOG = LoggerFactory.getLogger("berth.access");

    public AccessLog(Handler next) {
        super(next);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        long began = System.nanoTime();
        Request.addCompletionListener(request, failure -> {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("time", java.time.Instant.now().toString());
            line.put("method", request.getMethod());
            line.put("path", request.getHttpURI().getPath());
            line.put("status", response.getStatus());
            line.put("bytes_out", Response.getContentBytesWritten(response));
            line.put("duration_ms", (System.nanoTime() - began) / 1_000_000.0);
            line.put("remote", Request.getRemoteAddr(request));
            String ua = request.getHeaders().get("User-Agent");
            if (ua != null) {
                line.put("user_agent", ua);
            }
            if (failure != null) {
                line.put("error", String.valueOf(failure.getMessage()));
            }
            try {
                LOG.info(Exchange.JSON.writeValueAsString(line));
            } catch (com.fasterxml.jackson.core.JsonProcessingException ignored) {
                // a map of strings and numbers always serialises
            }
        });
        return super.handle(request, response, callback);
    }
}

package io.berth.http;

import io.berth.events.RegistryEvent.Action;
import io.berth.events.RegistryEvent.Target;
import io.berth.oci.Digest;
import io.berth.oci.ErrorCode;
import io.berth.registry.Registry;
import io.berth.oci.RegistryException;
import io.berth.registry.Uploads;
import org.eclipse.jetty.http.HttpHeader;

import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Blob uploads: POST (session, single-request or mount), PATCH, PUT, GET status and DELETE. */
final class UploadResource {
    /** The spec's form is "start-end"; docker-era clients may add "bytes " / "bytes=" or a "/total". */
    private static final Pattern CONTENT_RANGE = Pattern.compile("^(?:bytes[ =])?(\\d+)-(\\d+)(?:/(?:\\d+|\\*))?$");

    private static final String OCTET_STREAM = "application/octet-stream";

    private final Registry registry;
    private final Metrics metrics;
    private final Guard guard;

    UploadResource(Registry registry, Metrics metrics, Guard guard) {
        this.registry = registry;
        this.metrics = metrics;
        this.guard = guard;
    }

    void start(Exchange ex, Route route) {
        if (!"POST".equals(ex.method)) {
            throw Api.methodNotAllowed(ex);
        }
        String repository = route.repository();
        String mount = ex.query("mount");
        if (mount != null) {
            Digest digest = Digest.parse(mount);
            String from = ex.query("from");
            // Mount only from where the caller may read; otherwise the client simply uploads.
            OptionalLong size = from != null && guard.canPull(ex, from)
                    ? registry.mount(repository, digest, from) : OptionalLong.empty();
            if (size.isPresent()) {
                ex.happened(Action.MOUNT, Target.BLOB, digest, OCTET_STREAM, size.getAsLong(), null, from);
                blobCreated(ex, repository, digest);
                return;
            }
            // Not mountable: fall back to an ordinary upload session, as the spec allows.
        }
        String digestParam = ex.query("digest");
        if (digestParam != null) {
            Digest digest = Digest.parse(digestParam);
            long began = System.nanoTime();
            long size = registry.putBlob(repository, digest, ex.body());
            metrics.uploaded(ex.bytesRead, System.nanoTime() - began);
            ex.happened(Action.PUSH, Target.BLOB, digest, OCTET_STREAM, size, null, null);
            blobCreated(ex, repository, digest);
            return;
        }
        Uploads.Status s = registry.startUpload(repository);
        sessionHeaders(ex, repository, s);
        ex.sendEmpty(202);
    }

    void session(Exchange ex, Route route) {
        String repository = route.repository();
        String id = route.reference();
        try {
            switch (ex.method) {
                case "GET" -> {
                    sessionHeaders(ex, repository, registry.uploadStatus(repository, id));
                    ex.sendEmpty(204);
                }
                case "PATCH" -> {
                    Long start = rangeStart(ex);
                    long began = System.nanoTime();
                    Uploads.Status s = registry.appendUpload(repository, id, start, ex.body());
                    metrics.uploaded(ex.bytesRead, System.nanoTime() - began);
                    sessionHeaders(ex, repository, s);
                    ex.sendEmpty(202);
                }
                case "PUT" -> {
                    String digestParam = ex.query("digest");
                    if (digestParam == null) {
                        throw new RegistryException(ErrorCode.DIGEST_INVALID, "the closing PUT needs ?digest=<digest of the whole blob>");
                    }
                    Digest digest = Digest.parse(digestParam);
                    long began = System.nanoTime();
                    long size = registry.completeUpload(repository, id, digest, rangeStart(ex), ex.body());
                    metrics.uploaded(ex.bytesRead, System.nanoTime() - began);
                    ex.happened(Action.PUSH, Target.BLOB, digest, OCTET_STREAM, size, null, null);
                    blobCreated(ex, repository, digest);
                }
                case "DELETE" -> {
                    registry.cancelUpload(repository, id);
                    ex.sendEmpty(204);
                }
                default -> throw Api.methodNotAllowed(ex);
            }
        } catch (RegistryException e) {
            if (e.code() == ErrorCode.RANGE_INVALID && e.detail() instanceof Long offset) {
                // Tell the client where to resume (spec: GET the upload after a 416).
                sessionHeaders(ex, repository, new Uploads.Status(id, offset));
            }
            throw e;
        }
    }

    private static Long rangeStart(Exchange ex) {
        String cr = ex.header(HttpHeader.CONTENT_RANGE);
        if (cr == null || cr.isEmpty()) {
            return null;
        }
        Matcher m = CONTENT_RANGE.matcher(cr.trim());
        if (!m.matches()) {
            throw new RegistryException(ErrorCode.RANGE_INVALID, "malformed Content-Range " + abbreviate(cr) + " (expected <start>-<end>)");
        }
        long start;
        long end;
        try {
            start = Long.parseLong(m.group(1));
            end = Long.parseLong(m.group(2));
        } catch (NumberFormatException e) {
            throw new RegistryException(ErrorCode.RANGE_INVALID, "Content-Range out of bounds: " + abbreviate(cr));
        }
        if (end < start) {
            throw new RegistryException(ErrorCode.RANGE_INVALID, "Content-Range ends before it starts: " + abbreviate(cr));
        }
        long declared = ex.request.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH);
        if (declared >= 0 && declared != end - start + 1) {
            throw new RegistryException(ErrorCode.RANGE_INVALID, "Content-Range " + abbreviate(cr) + " covers " + (end - start + 1)
                    + " bytes but Content-Length is " + declared);
        }
        return start;
    }

    private static void sessionHeaders(Exchange ex, String repository, Uploads.Status s) {
        ex.setHeader(HttpHeader.LOCATION, "/v2/" + repository + "/blobs/uploads/" + s.id());
        ex.setHeader("Range", "0-" + Math.max(0, s.offset() - 1));
        ex.setHeader("Docker-Upload-UUID", s.id());
    }

    private static void blobCreated(Exchange ex, String repository, Digest digest) {
        ex.setHeader(HttpHeader.LOCATION, "/v2/" + repository + "/blobs/" + digest);
        ex.setHeader("Docker-Content-Digest", digest.toString());
        ex.sendEmpty(201);
    }

    private static String abbreviate(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "…" : s;
    }
}

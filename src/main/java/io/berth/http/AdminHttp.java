package io.berth.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.auth.Action;
import io.berth.auth.Principal;
import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;
import org.eclipse.jetty.server.Request;

import java.io.IOException;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * The HTTP side the admin API's resources share: the JSON request body and its fields, the query parameters
 * that mean the same everywhere, and how the answers write instants and actions. Values that are malformed
 * as JSON or HTTP are 400 here; whether they are acceptable is the admin service's to say.
 */
final class AdminHttp {
    private AdminHttp() {
    }

    /** One admin API resource (the path's first segment after /api/v1/), for an authenticated caller. */
    interface Resource {
        void handle(Exchange ex, Principal caller, List<String> path);
    }

    /** Where the request came from, for the audit log. */
    static String client(Exchange ex) {
        return Request.getRemoteAddr(ex.request);
    }

    static JsonNode body(Exchange ex) {
        return parse(ex.readBody(1 << 20, new RegistryException(ErrorCode.BAD_REQUEST, "request body too large")));
    }

    /** A request body that must be a JSON object. */
    static JsonNode parse(byte[] body) {
        try {
            JsonNode n = Exchange.JSON.readTree(body);
            if (n == null || !n.isObject()) {
                throw new IllegalArgumentException("the request body must be a JSON object");
            }
            return n;
        } catch (IOException e) {
            throw new IllegalArgumentException("the request body is not valid JSON");
        }
    }

    static String text(JsonNode n, String field, boolean required) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw new IllegalArgumentException(field + " is required");
            }
            return null;
        }
        if (!v.isTextual()) {
            throw new IllegalArgumentException(field + " must be a string");
        }
        return v.asText();
    }

    /** A list of strings, or null when absent and not required. */
    static List<String> strings(JsonNode n, String field, boolean required) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw new IllegalArgumentException(field + " is required");
            }
            return null;
        }
        if (!v.isArray()) {
            throw new IllegalArgumentException(field + " must be an array of strings");
        }
        List<String> out = new java.util.ArrayList<>();
        for (JsonNode e : v) {
            if (!e.isTextual()) {
                throw new IllegalArgumentException(field + " must be an array of strings");
            }
            out.add(e.asText());
        }
        return out;
    }

    /** A whole number, or null when absent. */
    static Integer integer(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isInt()) {
            throw new IllegalArgumentException(field + " must be a whole number");
        }
        return v.intValue();
    }

    /** A boolean, or null when absent; anything else but true or false is refused. */
    static Boolean bool(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isBoolean()) {
            throw new IllegalArgumentException(field + " must be true or false");
        }
        return v.booleanValue();
    }

    /**
     * Refuses a body with a field other than {@code allowed}: where a misspelt field would silently mean its default
     * (a limit lifted, a dry run turned into a collection), it is an error. {@code takes} ends the message.
     */
    static void onlyFields(JsonNode n, Set<String> allowed, String takes) {
        for (Iterator<String> names = n.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!allowed.contains(name)) {
                throw new IllegalArgumentException("unknown field " + name + ": " + takes);
            }
        }
    }

    /** Refuses every method but the endpoint's one. */
    static void requireMethod(Exchange ex, String method) {
        if (!ex.method.equals(method)) {
            throw Api.methodNotAllowed(ex);
        }
    }

    static RegistryException noEndpoint(List<String> path) {
        return new RegistryException(ErrorCode.NOT_FOUND, "no admin API endpoint at " + path);
    }

    /** A flag that is left alone when absent (null). */
    static Boolean flag(JsonNode n, String field) {
        return n.has(field) ? n.get(field).asBoolean() : null;
    }

    /** {@code ?force=true} deletes a namespace (or user) together with its repositories. */
    static boolean force(Exchange ex) {
        String force = ex.query("force");
        if (force == null || force.equals("false")) {
            return false;
        }
        if (force.equals("true")) {
            return true;
        }
        throw new IllegalArgumentException("force must be true or false");
    }

    static long instant(String value, String name) {
        try {
            return Instant.parse(value).toEpochMilli();
        } catch (java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException(name + " must be an ISO-8601 instant such as 2026-01-31T12:00:00Z");
        }
    }

    /** An instant as the answers write it (ISO-8601), or null. */
    static String time(Instant at) {
        return at == null ? null : at.toString();
    }

    static List<String> wire(Set<Action> actions) {
        return actions.stream().map(Action::wire).toList();
    }
}

package io.berth.proxy;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One upstream registry and the local namespace it is cached under ("" in mirror mode: every
 * repository). {@code allowed} are glob patterns on the upstream repository name ("library/*").
 * With {@code fetchNeedsPush}, only callers who may push to the cache namespace trigger upstream
 * fetches; everyone else who may pull gets only what is already cached.
 */
public record Upstream(String name, URI url, String namespace, String username, String password, Duration tagTtl,
                       List<String> allowed, boolean enabled, boolean fetchNeedsPush) {

    /** Docker Hub names official images "library/x"; clients (and mirrors) say just "x". */
    public boolean isDockerHub() {
        String host = url.getHost();
        return host.equals("registry-1.docker.io") || host.equals("docker.io") || host.equals("index.docker.io");
    }

    /** The upstream repository for a local one, or null when this upstream does not serve it. */
    public String remoteName(String repository) {
        String rest;
        if (namespace.isEmpty()) {
            rest = repository;
        } else if (repository.startsWith(namespace + "/")) {
            rest = repository.substring(namespace.length() + 1);
        } else {
            return null;
        }
        if (isDockerHub() && rest.indexOf('/') < 0) {
            rest = "library/" + rest;
        }
        return rest;
    }

    public boolean allows(String remote) {
        if (allowed == null || allowed.isEmpty()) {
            return true;
        }
        for (String glob : allowed) {
            if (Pattern.compile(globToRegex(glob)).matcher(remote).matches()) {
                return true;
            }
        }
        return false;
    }

    /** Whether a client's ns= parameter (an upstream host, e.g. docker.io) names this upstream. */
    public boolean servesHost(String host) {
        return host.equalsIgnoreCase(url.getAuthority()) || host.equalsIgnoreCase(url.getHost())
                || (isDockerHub() && (host.equals("docker.io") || host.equals("index.docker.io") || host.equals("registry-1.docker.io")));
    }

    private static String globToRegex(String glob) {
        StringBuilder r = new StringBuilder();
        for (char c : glob.toCharArray()) {
            switch (c) {
                case '*' -> r.append(".*");
                case '?' -> r.append('.');
                default -> r.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return r.toString();
    }

    @Override
    public String toString() {
        return name + " (" + url + (namespace.isEmpty() ? ", mirror" : ", as " + namespace + "/") + ")";
    }
}

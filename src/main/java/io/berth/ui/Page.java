package io.berth.ui;

/**
 * What every page's layout needs: its title, which navigation entry is current, who is looking, the
 * CSRF token for its forms and the static files' versioned URLs.
 *
 * @param viewer null when nobody is logged in
 * @param csrf   the token every form and htmx request must send back; empty for anonymous pages
 * @param flash  a one-line message shown above the content (an error or a confirmation), or null
 */
record Page(String title, String nav, Viewer viewer, String csrf, Assets assets, Flash flash) {

    /** Who is logged in. */
    record Viewer(String name, boolean admin, boolean readOnly) {
    }

    /** A message for the top of the page. */
    record Flash(boolean error, String text) {
    }

    String asset(String file) {
        return assets.url(file);
    }

    /** The htmx request headers (hx-headers) that carry the CSRF token, as JSON. */
    String csrfHeaders() {
        return "{\"X-Berth-CSRF\":\"" + csrf + "\"}";
    }

    boolean current(String entry) {
        return entry.equals(nav);
    }
}

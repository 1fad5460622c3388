package io.berth.bench;

/** One measured run of one workload against one server. */
record Run(double value, double clientCores, double serverCores, long errors, double p50ms, double p99ms, String note) {
    Run withValue(double v) {
        return new Run(v, clientCores, serverCores, errors, p50ms, p99ms, note);
    }
}

package io.berth.ui;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * A bar chart drawn on the server as SVG: bars are rects placed by attributes (the Content-Security-Policy allows no
 * inline style), coloured by classes from berth.css, each with a title for its tooltip; the chart has a text
 * alternative (its title and a one-line summary) and its figures as a table beside it.
 *
 * @param id      the element id, for aria-labelledby
 * @param title   what it shows ("Pushes per day")
 * @param summary the text alternative's line: total, busiest day
 * @param bars    one per value, left to right
 */
record BarChart(String id, String title, String summary, long max, List<Bar> bars) {
    static final int WIDTH = 600;
    static final int HEIGHT = 120;
    /** Room under the bars for the first and last day's labels. */
    static final int AXIS = 16;

    /** A bar: its label (a day), value and place in the SVG's coordinates. */
    record Bar(String label, long value, double x, double y, double width, double height) {
        /** The bar of a zero still shows as a hairline, so a day without activity is seen to be a day. */
        String cls() {
            return value == 0 ? "bar zero" : "bar";
        }
    }

    static <T> BarChart of(String id, String title, String unit, List<T> items, java.util.function.Function<T, String> label,
                           ToLongFunction<T> value) {
        long max = 0;
        long total = 0;
        T busiest = null;
        for (T item : items) {
            long v = value.applyAsLong(item);
            total += v;
            if (v > max) {
                max = v;
                busiest = item;
            }
        }
        double slot = items.isEmpty() ? WIDTH : (double) WIDTH / items.size();
        double plot = HEIGHT - AXIS;
        List<Bar> bars = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            T item = items.get(i);
            long v = value.applyAsLong(item);
            double h = max == 0 ? 1 : Math.max(1, plot * v / max);
            bars.add(new Bar(label.apply(item), v, round(i * slot + slot * 0.1), round(plot - h), round(slot * 0.8), round(h)));
        }
        String summary = total + " " + unit + " in " + items.size() + " days"
                + (busiest == null ? "" : "; most on " + label.apply(busiest) + ": " + max);
        return new BarChart(id, title, summary, max, bars);
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }

    String viewBox() {
        return "0 0 " + WIDTH + " " + HEIGHT;
    }

    /** Where the day labels sit: under the plot. */
    int labelY() {
        return HEIGHT - 3;
    }

    /** The right edge, for the last label. */
    int width() {
        return WIDTH;
    }
}

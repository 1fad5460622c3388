package io.berth.lifecycle;

import io.berth.lifecycle.LifecycleStore.Outcome;
import io.berth.lifecycle.RetentionPlan.Item;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** What a retention run did: its plan, and for each item whether it was deleted or left alone (and why). */
public record RetentionReport(RetentionPlan plan, List<Outcome> outcomes, Instant finished) {
    public RetentionReport {
        outcomes = List.copyOf(outcomes);
        if (outcomes.size() != plan.items().size()) {
            throw new IllegalArgumentException("one outcome per planned item");
        }
    }

    public record Result(Item item, Outcome outcome) {
    }

    public List<Result> results() {
        List<Result> out = new ArrayList<>(outcomes.size());
        for (int i = 0; i < outcomes.size(); i++) {
            out.add(new Result(plan.items().get(i), outcomes.get(i)));
        }
        return out;
    }

    /** The items deleted, in the order they were. */
    public List<Item> deleted() {
        return results().stream().filter(r -> r.outcome() == Outcome.DELETED).map(Result::item).toList();
    }

    /** The items left alone: changed since planned, or immutable by now. */
    public List<Result> skipped() {
        return results().stream().filter(r -> r.outcome() != Outcome.DELETED).toList();
    }

    public long deletedTags() {
        return deleted().stream().filter(Item::isTag).count();
    }

    public long deletedManifests() {
        return deleted().stream().filter(i -> !i.isTag()).count();
    }
}

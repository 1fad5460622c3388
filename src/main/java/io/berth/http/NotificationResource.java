package io.berth.http;

import io.berth.admin.LifecycleAdmin;
import io.berth.auth.Principal;

import java.util.List;

/** {@code /api/v1/notifications/endpoints/{name}/deliveries}: the delivery log of one of the operator's notification endpoints (admins). */
final class NotificationResource implements AdminHttp.Resource {
    private final LifecycleAdmin lifecycle;

    NotificationResource(LifecycleAdmin lifecycle) {
        this.lifecycle = lifecycle;
    }

    @Override
    public void handle(Exchange ex, Principal caller, List<String> path) {
        if (path.size() != 4 || !path.get(1).equals("endpoints") || !path.get(3).equals("deliveries")) {
            throw AdminHttp.noEndpoint(path);
        }
        AdminHttp.requireMethod(ex, "GET");
        ex.sendJson(200, lifecycle.endpointDeliveries(caller, path.get(2), WebhookResource.before(ex), WebhookResource.limit(ex)).stream()
                .map(WebhookResource::json).toList());
    }
}

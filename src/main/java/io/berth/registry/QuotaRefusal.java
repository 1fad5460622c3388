package io.berth.registry;

import io.berth.metadata.QuotaExceededException;
import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A push over its namespace's quota, as clients hear it: 403 DENIED (the spec's code for what the registry does
 * not allow; Harbor answers quotas the same way), the store's message naming used and limit, which podman,
 * skopeo and docker print, and the figures as the error's detail (which Api also tells the webhooks).
 */
final class QuotaRefusal {
    private QuotaRefusal() {
    }

    static RegistryException denied(QuotaExceededException e) {
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("quota", e.limit());
        detail.put("namespace", e.namespace());
        detail.put("repository", e.repository());
        detail.put("used", e.used());
        detail.put("limit", e.max());
        detail.put("adding", e.adding());
        return new RegistryException(ErrorCode.DENIED, e.getMessage(), detail);
    }
}

package io.berth.auth;

import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;

import java.util.Map;

/**
 * A namespace (or a user's personal namespace) was not deleted because it holds repositories and the delete
 * was not forced: CONFLICT, with the count as the error's detail. Each front end says how to force it (the
 * admin API's {@code ?force=true}, {@code berth user rm --force}).
 */
public final class HoldsRepositoriesException extends RegistryException {
    private final String holder;
    private final long repositories;

    HoldsRepositoriesException(String holder, long repositories) {
        super(ErrorCode.CONFLICT, holder + " holds " + count(repositories) + "; delete them first, or force the delete to take them with it",
                Map.of("repositories", repositories));
        this.holder = holder;
        this.repositories = repositories;
    }

    /** What holds them and how many: "namespace team holds 2 repositories". */
    public String holdings() {
        return holder + " holds " + count(repositories);
    }

    public long repositories() {
        return repositories;
    }

    /** "1 repository", "2 repositories". */
    public static String count(long repositories) {
        return repositories + (repositories == 1 ? " repository" : " repositories");
    }
}

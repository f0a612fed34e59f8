// SPDX-License-Identifier: GPL-3.0-or-later
//
// Starts the Neo4j Community server for zhkg (see scripts/neo4j.sh).
//
// Why a launcher instead of calling the server entry point directly: the
// password must come from the environment (ZHKG_NEO4J_PASSWORD) and be set
// *before* the first start, so the server never runs with the default
// neo4j/neo4j credentials, and it must never appear on a command line where
// `ps` would show it. The admin tool runs in this JVM for that one step.
package zhkg.neo4j;

import java.nio.file.Files;
import java.nio.file.Path;
import org.neo4j.cli.AdminTool;
import org.neo4j.cli.ExecutionContext;
import org.neo4j.server.CommunityEntryPoint;

public final class Launch {
    private Launch() {}

    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: Launch HOME_DIR CONF_DIR");
            System.exit(64);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        Path conf = Path.of(args[1]).toAbsolutePath();
        String password = System.getenv("ZHKG_NEO4J_PASSWORD");
        if (password == null || password.isEmpty()) {
            System.err.println("zhkg-neo4j: ZHKG_NEO4J_PASSWORD is not set");
            System.exit(2);
        }
        // The system database exists once the server has started at least once;
        // from then on the stored password is authoritative.
        boolean firstStart = !Files.isDirectory(home.resolve("data").resolve("databases").resolve("system"));
        if (firstStart) {
            int rc = AdminTool.execute(new ExecutionContext(home, conf), "dbms", "set-initial-password", password);
            if (rc != 0) {
                System.err.println("zhkg-neo4j: could not set the initial password (exit " + rc + ")");
                System.exit(2);
            }
        }
        CommunityEntryPoint.main(new String[] {"--home-dir=" + home, "--config-dir=" + conf});
    }
}

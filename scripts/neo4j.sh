#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# A local Neo4j 5.26 LTS Community server for zhkg, built from Maven Central jars
# (no Docker, no neo4j.com download needed).
#
#   scripts/neo4j.sh install            fetch jars into the cache (once; later calls reuse them)
#   scripts/neo4j.sh start [-w WS]      install if needed, start, wait until Bolt accepts connections
#   scripts/neo4j.sh stop  [-w WS]      stop exactly the process recorded in the pid file
#   scripts/neo4j.sh status [-w WS]     exit 0 when running, 3 when not
#   scripts/neo4j.sh config [-w WS]     print the neo4j.conf that start would write
#
# Environment:
#   ZHKG_NEO4J_PASSWORD   required for start; becomes the `neo4j` user's password at the first start
#   ZHKG_WORKSPACE        workspace (default .zhkg); data lives in <workspace>/neo4j unless
#   ZHKG_NEO4J_HOME       is set
#   ZHKG_NEO4J_BOLT_PORT  Bolt port on 127.0.0.1 (default 7687)
#   ZHKG_NEO4J_HEAP       JVM heap, initial 1/2 of it (default 2g)
#   ZHKG_NEO4J_PAGECACHE  page cache (default 1g)
#   ZHKG_NEO4J_TX_MEMORY  most heap one transaction may use (default 256m, at most half the heap);
#                         all transactions together may use half the heap
#   ZHKG_NEO4J_START_TIMEOUT_S  seconds to wait for Bolt (default 90)
#   ZHKG_CACHE_DIR        jar cache (default ~/.cache/zhkg); jars go to neo4j-<version>/
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
pom="$here/neo4j/pom.xml"
src="$here/neo4j/src/main/java/zhkg/neo4j/Launch.java"
version="$(sed -n 's:.*<neo4j.version>\(.*\)</neo4j.version>.*:\1:p' "$pom")"
cache="${ZHKG_CACHE_DIR:-$HOME/.cache/zhkg}/neo4j-$version"
main_class="zhkg.neo4j.Launch"

die() { echo "neo4j.sh: $*" >&2; exit 1; }

cmd="${1:-}"
[ -n "$cmd" ] && shift
workspace="${ZHKG_WORKSPACE:-.zhkg}"
while [ $# -gt 0 ]; do
    case "$1" in
        -w|--workspace) [ $# -ge 2 ] || die "$1 needs a directory"; workspace="$2"; shift 2 ;;
        *) die "unknown argument: $1" ;;
    esac
done
home="${ZHKG_NEO4J_HOME:-$workspace/neo4j}"
port="${ZHKG_NEO4J_BOLT_PORT:-7687}"
heap="${ZHKG_NEO4J_HEAP:-2g}"
pagecache="${ZHKG_NEO4J_PAGECACHE:-1g}"
tx_memory="${ZHKG_NEO4J_TX_MEMORY:-256m}"
timeout_s="${ZHKG_NEO4J_START_TIMEOUT_S:-90}"
pidfile="$home/zhkg-neo4j.pid"

[[ "$port" =~ ^[0-9]+$ ]] && [ "$port" -ge 1 ] && [ "$port" -le 65535 ] || die "ZHKG_NEO4J_BOLT_PORT=$port is not a port"
[[ "$heap" =~ ^[0-9]+[mg]$ ]] || die "ZHKG_NEO4J_HEAP=$heap must look like 512m or 2g"
[[ "$pagecache" =~ ^[0-9]+[mg]$ ]] || die "ZHKG_NEO4J_PAGECACHE=$pagecache must look like 512m or 1g"
[[ "$tx_memory" =~ ^[0-9]+[mg]$ ]] || die "ZHKG_NEO4J_TX_MEMORY=$tx_memory must look like 256m or 1g"

# Sizes in MiB, so that halves of small heaps stay exact (1g -> 512m, not 1g).
mib() { local num="${1%[mg]}"; if [ "${1: -1}" = g ]; then echo $((num * 1024)); else echo "$num"; fi; }
heap_mb="$(mib "$heap")"
heap_initial="$(( (heap_mb + 1) / 2 ))m"
# Memory guards: all transactions together may hold half the heap, one transaction at most
# ZHKG_NEO4J_TX_MEMORY of it, so a single runaway query fails with a MemoryPoolOutOfMemoryError
# instead of taking the whole server down with an OutOfMemoryError.
tx_total_mb="$(( heap_mb / 2 ))"
tx_max_mb="$(mib "$tx_memory")"
[ "$tx_max_mb" -ge 16 ] || die "ZHKG_NEO4J_TX_MEMORY=$tx_memory is below 16m"
[ "$tx_max_mb" -le "$tx_total_mb" ] || tx_max_mb="$tx_total_mb"

stamp_value() { cat "$pom" "$src" | sha256sum | cut -d' ' -f1; }

install() {
    local stamp
    stamp="$(stamp_value)"
    if [ -f "$cache/.stamp" ] && [ "$(cat "$cache/.stamp")" = "$stamp" ]; then
        echo "neo4j $version already installed in $cache"
        return 0
    fi
    command -v java >/dev/null || die "java (17+) is required"
    command -v javac >/dev/null || die "javac (JDK 17+) is required"
    command -v mvn >/dev/null || die "mvn (Maven 3) is required to fetch the jars"
    mkdir -p "$cache"
    # Two concurrent installs (parallel CI jobs) must not interleave.
    exec 9>"$cache.lock"
    flock 9
    if [ -f "$cache/.stamp" ] && [ "$(cat "$cache/.stamp")" = "$stamp" ]; then
        echo "neo4j $version already installed in $cache"
        return 0
    fi
    echo "installing neo4j $version into $cache (downloads ~125 MB from Maven Central once)" >&2
    local t0=$SECONDS
    rm -rf "$cache/lib.tmp" "$cache/classes.tmp"
    mvn -q -B -Dstyle.color=never -f "$pom" dependency:copy-dependencies -DincludeScope=runtime \
        -DoutputDirectory="$cache/lib.tmp" >&2 || die "mvn could not fetch the neo4j jars"
    mkdir -p "$cache/classes.tmp"
    javac -nowarn -d "$cache/classes.tmp" -cp "$cache/lib.tmp/*" "$src" >&2 || die "javac failed on $src"
    rm -rf "$cache/lib" "$cache/classes"
    mv "$cache/lib.tmp" "$cache/lib"
    mv "$cache/classes.tmp" "$cache/classes"
    echo "$stamp" >"$cache/.stamp"
    echo "installed neo4j $version in $((SECONDS - t0)) s"
}

# The pid in the file counts only if it is still our launcher for this home directory;
# a stale file whose pid was reused by another process is ignored, never killed.
# The Bolt address a running server was started with (the port may differ from today's env).
conf_bolt() {
    sed -n 's/^server.bolt.listen_address=//p' "$home/conf/neo4j.conf" 2>/dev/null || true
}

running_pid() {
    [ -f "$pidfile" ] || return 1
    local pid
    pid="$(cat "$pidfile")"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    [ -r "/proc/$pid/cmdline" ] || return 1
    local cmdline
    cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline")"
    [[ "$cmdline" == *"$main_class $home_abs "* ]] || return 1
    echo "$pid"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The configuration for today's ZHKG_NEO4J_* variables, on stdout. It is rewritten at every
# start, so an existing workspace picks up new settings (such as the memory guards) the next
# time its server starts.
conf_text() {
    cat <<EOF
# Generated by scripts/neo4j.sh at every start: change ZHKG_NEO4J_* variables instead.
server.default_listen_address=127.0.0.1
server.default_advertised_address=127.0.0.1
server.bolt.enabled=true
server.bolt.listen_address=127.0.0.1:$port
server.bolt.advertised_address=127.0.0.1:$port
server.bolt.tls_level=DISABLED
server.http.enabled=false
server.https.enabled=false
dbms.security.auth_enabled=true
dbms.security.allow_csv_import_from_file_urls=false
server.directories.import=$home_abs/import
server.memory.heap.initial_size=$heap_initial
server.memory.heap.max_size=$heap
server.memory.pagecache.size=$pagecache
dbms.memory.transaction.total.max=${tx_total_mb}m
db.memory.transaction.max=${tx_max_mb}m
db.transaction.timeout=10m
db.logs.query.enabled=OFF
EOF
}

write_conf() {
    mkdir -p "$home/conf" "$home/logs" "$home/import"
    conf_text >"$home/conf/neo4j.conf.tmp"
    mv "$home/conf/neo4j.conf.tmp" "$home/conf/neo4j.conf"
}

start() {
    [ -n "${ZHKG_NEO4J_PASSWORD:-}" ] || die "set ZHKG_NEO4J_PASSWORD (at least 8 characters) before start"
    [ "${#ZHKG_NEO4J_PASSWORD}" -ge 8 ] || die "ZHKG_NEO4J_PASSWORD must have at least 8 characters"
    install >/dev/null
    mkdir -p "$home"
    home_abs="$(cd "$home" && pwd)"
    local pid
    if pid="$(running_pid)"; then
        echo "neo4j already running (pid $pid, bolt://$(conf_bolt), data $home_abs)"
        if ! conf_text | cmp -s - "$home/conf/neo4j.conf"; then
            echo "neo4j.sh: its configuration is out of date; stop and start it again to apply it" >&2
        fi
        return 0
    fi
    port_open "$port" && die "port $port on 127.0.0.1 is already in use; set ZHKG_NEO4J_BOLT_PORT"
    write_conf
    local log="$home/logs/neo4j.log" console="$home/logs/console.log"
    local before=0
    [ -f "$log" ] && before="$(wc -l <"$log")"
    local t0=$SECONDS
    # setsid: the server outlives the shell that started it and ignores its terminal's signals.
    (
        cd "$home_abs"
        exec setsid java -Xms"$heap_initial" -Xmx"$heap" -XX:+UseG1GC -XX:-OmitStackTraceInFastThrow \
            -XX:+UnlockExperimentalVMOptions -XX:+TrustFinalNonStaticFields -XX:+DisableExplicitGC \
            -Djdk.nio.maxCachedBufferSize=1024 -Dio.netty.tryReflectionSetAccessible=true \
            -Dfile.encoding=UTF-8 -Dlog4j2.disable.jmx=true \
            --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED \
            --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED \
            -cp "$cache/classes:$cache/lib/*" "$main_class" "$home_abs" "$home_abs/conf" \
            </dev/null >"$console" 2>&1
    ) &
    pid=$!
    echo "$pid" >"$pidfile"
    while true; do
        if ! kill -0 "$pid" 2>/dev/null; then
            rm -f "$pidfile"
            echo "neo4j.sh: the server exited during start; last lines of its logs:" >&2
            tail -n 15 "$console" >&2 || true
            [ -f "$log" ] && tail -n +"$((before + 1))" "$log" | tail -n 15 >&2
            exit 1
        fi
        if port_open "$port" && [ -f "$log" ] && tail -n +"$((before + 1))" "$log" | grep -q 'INFO  Started\.'; then
            break
        fi
        if [ $((SECONDS - t0)) -ge "$timeout_s" ]; then
            stop >/dev/null
            die "the server did not accept Bolt connections within $timeout_s s (see $log)"
        fi
        sleep 0.5
    done
    echo "neo4j $version started in $((SECONDS - t0)) s (pid $pid, bolt://127.0.0.1:$port, data $home_abs)"
    echo "export ZHKG_NEO4J_URI=bolt://127.0.0.1:$port"
}

stop() {
    [ -d "$home" ] || { echo "neo4j not running (no $home)"; return 0; }
    home_abs="$(cd "$home" && pwd)"
    local pid
    if ! pid="$(running_pid)"; then
        rm -f "$pidfile"
        echo "neo4j not running"
        return 0
    fi
    kill -TERM "$pid"
    local i
    for i in $(seq 1 120); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.5
    done
    if kill -0 "$pid" 2>/dev/null; then
        echo "neo4j.sh: pid $pid did not stop within 60 s; killing it" >&2
        kill -KILL "$pid"
    fi
    rm -f "$pidfile"
    echo "neo4j stopped (pid $pid)"
}

status() {
    if [ -d "$home" ]; then
        home_abs="$(cd "$home" && pwd)"
        local pid
        if pid="$(running_pid)"; then
            echo "neo4j running (pid $pid, bolt://$(conf_bolt), data $home_abs)"
            return 0
        fi
    fi
    echo "neo4j not running"
    return 3
}

case "$cmd" in
    install) install ;;
    start) start ;;
    stop) stop ;;
    status) status ;;
    config) home_abs="$(realpath -m "$home")"; conf_text ;;
    *) echo "usage: scripts/neo4j.sh install|start|stop|status|config [-w WORKSPACE]" >&2; exit 64 ;;
esac

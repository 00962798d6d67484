#!/usr/bin/env bash
# Real Redis and real Apache Kafka 3.9 (KRaft, single node) for tests and CI, without Docker.
#
#   eval "$(bash ops/services.sh start [redis|kafka])"   # no arg = both; prints export lines
#   bash ops/services.sh env    [redis|kafka]            # export lines of running services
#   bash ops/services.sh status [redis|kafka]            # human-readable, on stderr
#   bash ops/services.sh stop   [redis|kafka]            # stop + delete their data
#   bash ops/services.sh down   [redis|kafka]            # stop, keep data and port (outage tests)
#   bash ops/services.sh up     [redis|kafka]            # start again after `down`, same port and data
#   bash ops/services.sh restart [redis|kafka]           # down + up
#
# STDOUT carries only `export REDIS_URL=...` / `export KAFKA_BROKERS=...` lines; every progress
# or error message goes to STDERR. Services listen on free 127.0.0.1 ports picked at start.
# State (pid files, logs, data, cached Kafka jars) lives in ops/.services/ (override with
# COMERIX_SERVICES_DIR). Installs what is missing: redis-server (apt), a JRE and Maven (apt),
# the Kafka jars (Maven Central via ops/kafka/pom.xml, cached in ops/.services/kafka-libs, or in
# COMERIX_KAFKA_LIBS: a test running private services in its own COMERIX_SERVICES_DIR reuses the cache).
#
# Tunables (env): REDIS_START_TIMEOUT (default 30 s), KAFKA_START_TIMEOUT (default 120 s),
# KAFKA_HEAP (default 512m), KAFKA_JVM_OPTS (extra JVM flags), SERVICES_STOP_TIMEOUT (30 s).
set -euo pipefail

OPS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STATE_DIR="${COMERIX_SERVICES_DIR:-$OPS_DIR/.services}"
KAFKA_POM="$OPS_DIR/kafka/pom.xml"
KAFKA_LIBS="${COMERIX_KAFKA_LIBS:-$STATE_DIR/kafka-libs}"
REDIS_DIR="$STATE_DIR/redis"
KAFKA_DIR="$STATE_DIR/kafka"

REDIS_START_TIMEOUT="${REDIS_START_TIMEOUT:-30}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-120}"
KAFKA_HEAP="${KAFKA_HEAP:-512m}"
SERVICES_STOP_TIMEOUT="${SERVICES_STOP_TIMEOUT:-30}"

log() { printf '[services] %s\n' "$*" >&2; }
die() { printf '[services] ERROR: %s\n' "$*" >&2; exit 1; }

usage() {
  cat >&2 <<'EOF'
usage: bash ops/services.sh start|stop|down|up|restart|env|status [redis|kafka]
  start   install what is missing, start on free 127.0.0.1 ports, wait until ready,
          print `export REDIS_URL=...` / `export KAFKA_BROKERS=...` on stdout
          (use: eval "$(bash ops/services.sh start)")
  stop    stop what `start` started and delete its data (cached jars are kept)
  down    stop the service but keep its data and port (Redis saves its dataset first;
          Kafka shuts down cleanly): what a restart or an outage looks like to clients
  up      start a service stopped by `down` on the same port with its data, wait until ready
  restart down, then up
  env     print the export lines of the running services
  status  describe the services on stderr
EOF
  exit 2
}

# ---------------------------------------------------------------- helpers

# pid_alive PIDFILE PATTERN: the pid in PIDFILE is alive and its command line matches PATTERN
# (guards against a recycled pid after a reboot or a crash).
pid_alive() {
  local pidfile="$1" pattern="$2" pid
  [[ -s "$pidfile" ]] || return 1
  pid="$(cat "$pidfile")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$pattern"
}

# stop_pid PIDFILE PATTERN NAME: SIGTERM, wait, then SIGKILL.
stop_pid() {
  local pidfile="$1" pattern="$2" name="$3" pid i
  pid_alive "$pidfile" "$pattern" || return 0
  pid="$(cat "$pidfile")"
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < SERVICES_STOP_TIMEOUT * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  log "$name did not stop within ${SERVICES_STOP_TIMEOUT}s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  return 3
}

need_node() { command -v node >/dev/null 2>&1 || die "node is required (port picking, Kafka readiness check)"; }

# free_ports N: N distinct free TCP ports on 127.0.0.1 (all held open at once while picked).
free_ports() {
  local n="$1"
  if command -v node >/dev/null 2>&1; then
    node -e '
      const net = require("net"); const n = +process.argv[1]; const servers = []; const ports = [];
      const next = () => {
        if (ports.length === n) { servers.forEach((s) => s.close()); console.log(ports.join(" ")); return; }
        const s = net.createServer(); servers.push(s);
        s.on("error", (e) => { console.error(e.message); process.exit(1); });
        s.listen(0, "127.0.0.1", () => { ports.push(s.address().port); next(); });
      };
      next();' "$n"
  elif command -v python3 >/dev/null 2>&1; then
    python3 -c '
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))' "$n"
  else
    die "need node or python3 to pick free ports"
  fi
}

APT_UPDATED=0
apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install $* yourself"
  local sudo=()
  if [[ "$(id -u)" != 0 ]]; then
    command -v sudo >/dev/null 2>&1 || die "need root (or sudo) to apt-get install $*"
    sudo=(sudo)
  fi
  local attempt
  # Another apt/dpkg may hold the locks (e.g. a background install): wait, never kill it.
  if [[ "$APT_UPDATED" == 0 ]]; then
    for attempt in 1 2 3 4 5 6 7 8 9 10; do
      if "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -q >&2; then
        APT_UPDATED=1; break
      fi
      log "apt-get update failed (attempt $attempt; lock held?); retrying in 15s"; sleep 15
    done
    [[ "$APT_UPDATED" == 1 ]] || die "apt-get update kept failing"
  fi
  for attempt in 1 2 3; do
    if "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 \
        install -y -q --no-install-recommends "$@" >&2; then
      return 0
    fi
    log "apt-get install $* failed (attempt $attempt); retrying in 15s"; sleep 15
  done
  die "apt-get install $* failed"
}

# ---------------------------------------------------------------- redis

redis_port() { cat "$REDIS_DIR/port" 2>/dev/null; }
redis_running() {
  pid_alive "$REDIS_DIR/redis.pid" redis-server || return 1
  [[ "$(redis-cli -h 127.0.0.1 -p "$(redis_port)" ping 2>/dev/null)" == PONG ]]
}
redis_env() { echo "export REDIS_URL=redis://127.0.0.1:$(redis_port)"; }

redis_start() {
  if redis_running; then
    log "redis already running on 127.0.0.1:$(redis_port)"
    redis_env; return 0
  fi
  redis_stop quiet
  if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
    log "installing redis-server (apt)"
    apt_install redis-server
  fi
  mkdir -p "$REDIS_DIR"
  redis_launch "$(free_ports 1)"
}

# redis_launch PORT: runs redis-server on PORT with REDIS_DIR (loading a dump.rdb left there by
# `down`) and waits until it answers PING.
redis_launch() {
  local port="$1" i
  log "starting redis on 127.0.0.1:$port"
  # fd 9 (the state lock) must not leak into the daemon.
  redis-server --port "$port" --bind 127.0.0.1 --protected-mode no \
    --save "" --appendonly no --daemonize yes --dir "$REDIS_DIR" \
    --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log" \
    </dev/null >>"$REDIS_DIR/redis.log" 2>&1 9>&- || {
      tail -n 30 "$REDIS_DIR/redis.log" >&2 || true; die "redis-server failed to start"; }
  echo "$port" >"$REDIS_DIR/port"
  for ((i = 0; i < REDIS_START_TIMEOUT * 10; i++)); do
    if [[ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" == PONG ]] &&
       pid_alive "$REDIS_DIR/redis.pid" redis-server; then
      log "redis ready on 127.0.0.1:$port"
      redis_env; return 0
    fi
    sleep 0.1
  done
  log "redis did not answer PING within ${REDIS_START_TIMEOUT}s; log tail:"
  tail -n 30 "$REDIS_DIR/redis.log" >&2 || true
  redis_stop quiet
  die "redis failed to start"
}

redis_down() {
  if ! pid_alive "$REDIS_DIR/redis.pid" redis-server; then log "redis is not running"; return 0; fi
  log "redis going down (dataset saved, port $(redis_port) kept)"
  # SHUTDOWN SAVE writes dump.rdb even though automatic saves are off; `up` loads it.
  redis-cli -h 127.0.0.1 -p "$(redis_port)" shutdown save >/dev/null 2>&1 || true
  stop_pid "$REDIS_DIR/redis.pid" redis-server redis || true
}

redis_up() {
  if redis_running; then redis_env; return 0; fi
  [[ -s "$REDIS_DIR/port" ]] || die "redis was never started here ($REDIS_DIR); use start"
  redis_launch "$(redis_port)"
}

redis_stop() {
  stop_pid "$REDIS_DIR/redis.pid" redis-server redis || true
  rm -rf "$REDIS_DIR"
  [[ "${1:-}" == quiet ]] || log "redis stopped"
}

# ---------------------------------------------------------------- kafka

kafka_port() { cat "$KAFKA_DIR/port" 2>/dev/null; }
kafka_running() { pid_alive "$KAFKA_DIR/kafka.pid" kafka.Kafka && [[ -s "$KAFKA_DIR/ready" ]]; }
kafka_env() { echo "export KAFKA_BROKERS=127.0.0.1:$(kafka_port)"; }

ensure_java() {
  if ! command -v java >/dev/null 2>&1; then
    log "installing a Java runtime (apt)"
    apt_install openjdk-17-jre-headless
  fi
}

ensure_kafka_libs() {
  local stamp
  stamp="$(sha256sum "$KAFKA_POM" | cut -d' ' -f1)"
  if [[ -f "$KAFKA_LIBS/.complete" && "$(cat "$KAFKA_LIBS/.complete")" == "$stamp" ]]; then
    return 0
  fi
  if ! command -v mvn >/dev/null 2>&1; then
    log "installing maven (apt)"
    apt_install maven
  fi
  log "fetching Kafka jars from Maven Central into $KAFKA_LIBS"
  local tmp="$KAFKA_LIBS.tmp.$$"
  rm -rf "$tmp"
  # (mvn -q still emits bare colour-reset codes; strip them, keep real messages on stderr)
  if ! mvn -q -B -Dstyle.color=never -f "$KAFKA_POM" dependency:copy-dependencies \
        -DoutputDirectory="$tmp" </dev/null 2>&1 9>&- |
      sed -u -e 's/\x1b\[[0-9;]*m//g' -e '/^[[:space:]]*$/d' >&2; then
    rm -rf "$tmp"; die "mvn could not fetch the Kafka jars (see above)"
  fi
  ls "$tmp"/kafka_2.13-*.jar >/dev/null 2>&1 || { rm -rf "$tmp"; die "no kafka_2.13 jar was fetched"; }
  echo "$stamp" >"$tmp/.complete"
  rm -rf "$KAFKA_LIBS"
  mv "$tmp" "$KAFKA_LIBS"
}

# kafka_probe PORT: one Metadata (v1) request over the wire; succeeds when the broker answers
# with itself in the broker list and a controller id (i.e. it is registered and unfenced).
kafka_probe() {
  node -e '
    const net = require("net"); const port = +process.argv[1];
    const cid = Buffer.from("comerix-services");
    const body = Buffer.alloc(2 + 2 + 4 + 2 + cid.length + 4); let o = 0;
    o = body.writeInt16BE(3, o); o = body.writeInt16BE(1, o); o = body.writeInt32BE(42, o);
    o = body.writeInt16BE(cid.length, o); o += cid.copy(body, o); body.writeInt32BE(-1, o);
    const len = Buffer.alloc(4); len.writeInt32BE(body.length, 0);
    const s = net.connect(port, "127.0.0.1"); let buf = Buffer.alloc(0);
    const fail = (m) => { console.error(m); process.exit(1); };
    setTimeout(() => fail("metadata request timed out"), 3000).unref();
    s.on("error", (e) => fail(e.message));
    s.on("connect", () => s.write(Buffer.concat([len, body])));
    s.on("data", (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length < 4 || buf.length < 4 + buf.readInt32BE(0)) return;
      let p = 4; if (buf.readInt32BE(p) !== 42) fail("bad correlation id"); p += 4;
      const n = buf.readInt32BE(p); p += 4; let self = false;
      for (let i = 0; i < n; i++) {
        p += 4; const hl = buf.readInt16BE(p); p += 2 + hl;
        if (buf.readInt32BE(p) === port) self = true; p += 4;
        const rl = buf.readInt16BE(p); p += 2 + (rl > 0 ? rl : 0);
      }
      const controller = buf.readInt32BE(p);
      s.destroy();
      if (!self || controller < 0) fail(`not ready: brokers=${n} controller=${controller}`);
      process.exit(0);
    });' "$1" 2>/dev/null
}

kafka_uuid() {
  # Same shape as `kafka.tools.StorageTool random-uuid` (16 random bytes, base64url, no '-' first)
  # without paying for a JVM start.
  node -e '
    const c = require("crypto"); let u;
    do { u = c.randomBytes(16).toString("base64url"); } while (u.startsWith("-") || u === "AAAAAAAAAAAAAAAAAAAAAA" || u === "AAAAAAAAAAAAAAAAAAAAAQ");
    console.log(u);'
}

write_kafka_config() {
  local port="$1" ctrl="$2"
  cat >"$KAFKA_DIR/server.properties" <<EOF
# generated by ops/services.sh; single-node KRaft for tests
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$ctrl
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$ctrl
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_DIR/data
num.partitions=1
default.replication.factor=1
auto.create.topics.enable=true
delete.topic.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.retention.hours=24
EOF
  cat >"$KAFKA_DIR/log4j.properties" <<'EOF'
# generated by ops/services.sh; stdout is redirected to kafka.log
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.kafka.log.LogCleaner=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.authorizer.logger=WARN
log4j.logger.org.apache.kafka.clients=WARN
log4j.logger.org.apache.kafka.common.utils.AppInfoParser=WARN
log4j.logger.org.apache.kafka.storage.internals.log=WARN
log4j.logger.kafka.log.UnifiedLog=WARN
log4j.logger.kafka.log.LogManager=WARN
EOF
}

kafka_fail() {
  log "$1; last lines of $KAFKA_DIR/kafka.log:"
  tail -n 60 "$KAFKA_DIR/kafka.log" >&2 2>/dev/null || true
  kafka_stop quiet keep-log
  die "kafka failed to start"
}

kafka_start() {
  if kafka_running; then
    log "kafka already running on 127.0.0.1:$(kafka_port)"
    kafka_env; return 0
  fi
  kafka_stop quiet
  need_node
  ensure_java
  ensure_kafka_libs
  mkdir -p "$KAFKA_DIR/data"
  local ports port ctrl uuid t0 cp
  ports="$(free_ports 2)"; port="${ports% *}"; ctrl="${ports#* }"
  write_kafka_config "$port" "$ctrl"
  cp="$KAFKA_LIBS/*"
  # C1 only + SerialGC: ~35% faster startup, plenty for tests.
  local jvm=(java -Xmx"$KAFKA_HEAP" -Xms64m -XX:+UseSerialGC -XX:TieredStopAtLevel=1
    -Xshare:auto -Djava.awt.headless=true -Dfile.encoding=UTF-8
    -XX:ErrorFile="$KAFKA_DIR/hs_err_%p.log"
    -Dlog4j.configuration="file:$KAFKA_DIR/log4j.properties" -Dkafka.logs.dir="$KAFKA_DIR")
  # shellcheck disable=SC2206
  [[ -n "${KAFKA_JVM_OPTS:-}" ]] && jvm+=(${KAFKA_JVM_OPTS})
  # AppCDS: the first broker run dumps a class-data archive when it is stopped (kafka_stop
  # moves it into the jar cache); later starts map it (~1.3 s faster). KAFKA_CDS=0 disables.
  local jsa="" broker_cds=()
  if [[ "${KAFKA_CDS:-1}" != 0 ]]; then
    jsa="$(kafka_jsa)"
    if [[ -s "$jsa" ]]; then
      jvm+=(-XX:SharedArchiveFile="$jsa")
    else
      broker_cds=(-XX:ArchiveClassesAtExit="$KAFKA_DIR/dump.jsa")
      echo "$jsa" >"$KAFKA_DIR/dump.target"
    fi
  fi
  t0=$SECONDS
  uuid="$(kafka_uuid)"
  log "formatting KRaft storage (cluster id $uuid)"
  (cd "$KAFKA_DIR" && exec "${jvm[@]}" -cp "$cp" kafka.tools.StorageTool format -t "$uuid" \
      -c "$KAFKA_DIR/server.properties" --ignore-formatted) \
      </dev/null >>"$KAFKA_DIR/kafka.log" 2>&1 9>&- ||
    kafka_fail "kafka storage format failed"
  echo "$port" >"$KAFKA_DIR/port"
  echo "$ctrl" >"$KAFKA_DIR/controller.port"
  kafka_launch "$t0" "${jvm[@]}" -- "${broker_cds[@]}"
}

# kafka_launch T0 JVM... -- BROKER_JVM_FLAGS...: runs the broker on the formatted storage and the
# config in KAFKA_DIR, and waits until it is ready.
kafka_launch() {
  local t0="$1" jvm=() broker_cds=() pid i port cp="$KAFKA_LIBS/*"
  shift
  while [[ $# -gt 0 && "$1" != -- ]]; do jvm+=("$1"); shift; done
  [[ $# -gt 0 ]] && shift
  broker_cds=("$@")
  port="$(kafka_port)"
  rm -f "$KAFKA_DIR/ready"
  # `up` appends to the log of earlier runs: only what this run writes counts as started.
  local logged
  logged="$(stat -c %s "$KAFKA_DIR/kafka.log" 2>/dev/null || echo 0)"
  log "starting kafka on 127.0.0.1:$port (controller 127.0.0.1:$(cat "$KAFKA_DIR/controller.port"))"
  # setsid: own session, so the caller's process group / terminal signals don't reach it;
  # all stdio away from the caller (a `$(...)` would otherwise wait for the broker to exit).
  # The subshell execs down to java, so $! is the broker's pid.
  (cd "$KAFKA_DIR" && exec setsid nohup "${jvm[@]}" "${broker_cds[@]}" -cp "$cp" \
      kafka.Kafka "$KAFKA_DIR/server.properties") \
    </dev/null >>"$KAFKA_DIR/kafka.log" 2>&1 9>&- &
  pid=$!
  echo "$pid" >"$KAFKA_DIR/kafka.pid"
  for ((i = 0; i < KAFKA_START_TIMEOUT * 5; i++)); do
    kill -0 "$pid" 2>/dev/null || kafka_fail "kafka exited during startup"
    if tail -c +"$((logged + 1))" "$KAFKA_DIR/kafka.log" 2>/dev/null | grep -q 'Kafka Server started' &&
       kafka_probe "$port"; then
      echo "$port" >"$KAFKA_DIR/ready"
      log "kafka ready on 127.0.0.1:$port after $((SECONDS - t0))s"
      kafka_env; return 0
    fi
    sleep 0.2
  done
  kafka_fail "kafka not ready within ${KAFKA_START_TIMEOUT}s"
}

# kafka_jsa: path of the class-data archive for this JVM + jar set.
kafka_jsa() {
  local key
  key="$( { readlink -f "$(command -v java)"; cat "$KAFKA_LIBS/.complete"; } | sha256sum | cut -c1-12)"
  echo "$KAFKA_LIBS/kafka-$key.jsa"
}

# kafka_jvm: the JVM command line shared by start and up (no class-data dump).
kafka_jvm() {
  local jvm=(java -Xmx"$KAFKA_HEAP" -Xms64m -XX:+UseSerialGC -XX:TieredStopAtLevel=1
    -Xshare:auto -Djava.awt.headless=true -Dfile.encoding=UTF-8
    -XX:ErrorFile="$KAFKA_DIR/hs_err_%p.log"
    -Dlog4j.configuration="file:$KAFKA_DIR/log4j.properties" -Dkafka.logs.dir="$KAFKA_DIR")
  # shellcheck disable=SC2206
  [[ -n "${KAFKA_JVM_OPTS:-}" ]] && jvm+=(${KAFKA_JVM_OPTS})
  local jsa
  jsa="$(kafka_jsa)"
  [[ "${KAFKA_CDS:-1}" != 0 && -s "$jsa" ]] && jvm+=(-XX:SharedArchiveFile="$jsa")
  printf '%s\n' "${jvm[@]}"
}

kafka_down() {
  if ! pid_alive "$KAFKA_DIR/kafka.pid" kafka.Kafka; then log "kafka is not running"; return 0; fi
  log "kafka going down (data and port $(kafka_port) kept)"
  rm -f "$KAFKA_DIR/ready"
  stop_pid "$KAFKA_DIR/kafka.pid" kafka.Kafka kafka || true
}

kafka_up() {
  if kafka_running; then kafka_env; return 0; fi
  [[ -s "$KAFKA_DIR/server.properties" && -s "$KAFKA_DIR/port" ]] ||
    die "kafka was never started here ($KAFKA_DIR); use start"
  need_node
  local jvm=()
  mapfile -t jvm < <(kafka_jvm)
  kafka_launch "$SECONDS" "${jvm[@]}" --
}

kafka_stop() {
  local rc=0
  stop_pid "$KAFKA_DIR/kafka.pid" kafka.Kafka kafka || rc=$?
  # keep a class-data archive the broker dumped at a clean exit (see kafka_start)
  if [[ "$rc" == 0 && -s "$KAFKA_DIR/dump.jsa" && -s "$KAFKA_DIR/dump.target" ]]; then
    local target
    target="$(cat "$KAFKA_DIR/dump.target")"
    [[ -d "$(dirname "$target")" ]] && mv -f "$KAFKA_DIR/dump.jsa" "$target" 2>/dev/null || true
  fi
  if [[ "${2:-}" == keep-log ]]; then
    # keep the log for post-mortems, drop everything else
    find "$KAFKA_DIR" -mindepth 1 -maxdepth 1 ! -name kafka.log -exec rm -rf {} + 2>/dev/null || true
  else
    rm -rf "$KAFKA_DIR"
  fi
  [[ "${1:-}" == quiet ]] || log "kafka stopped"
}

# ---------------------------------------------------------------- main

cmd="${1:-}"; [[ -n "$cmd" ]] || usage
shift || true
case "${1:-all}" in
  all) services=(redis kafka) ;;
  redis | kafka) services=("$1") ;;
  *) usage ;;
esac

mkdir -p "$STATE_DIR"
# Serialise concurrent invocations (fd 9 is closed for every long-lived child).
exec 9>"$STATE_DIR/.lock"
if command -v flock >/dev/null 2>&1; then
  flock -w 600 9 || die "another ops/services.sh is still running (lock $STATE_DIR/.lock)"
fi

case "$cmd" in
  start)
    command -v pdftoppm >/dev/null 2>&1 || apt_install poppler-utils # report-exports test renders PDF pages
    [[ -x /usr/bin/chromium ]] || apt_install chromium # browser tests (playwright-core drives Debian's chromium)
    for s in "${services[@]}"; do "${s}_start"; done
    ;;
  stop)
    for s in "${services[@]}"; do "${s}_stop"; done
    ;;
  down)
    for s in "${services[@]}"; do "${s}_down"; done
    ;;
  up)
    for s in "${services[@]}"; do "${s}_up"; done
    ;;
  restart)
    for s in "${services[@]}"; do "${s}_down"; "${s}_up"; done
    ;;
  env)
    for s in "${services[@]}"; do
      if "${s}_running"; then "${s}_env"; else log "$s is not running"; fi
    done
    ;;
  status)
    for s in "${services[@]}"; do
      if "${s}_running"; then log "$s: running, $("${s}_env" | sed 's/^export //')"
      else log "$s: stopped"; fi
    done
    ;;
  *) usage ;;
esac

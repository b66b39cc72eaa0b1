#!/usr/bin/env bash
# A real single-node Apache Kafka broker (KRaft: broker and controller in one JVM) for tests and
# local use. No npm or Debian package carries a broker and Docker does not run here, so the jars
# come from Maven Central through Maven (tools/kafka/pom.xml) and run on the machine's Java 17+.
#
#   bash tools/kafka/kafka.sh fetch    # jars into .mneme/kafka/libs (only when absent)
#   bash tools/kafka/kafka.sh start    # fetch if needed, format storage once, start, wait for the port
#   bash tools/kafka/kafka.sh stop     # graceful stop, then kill after a timeout
#   bash tools/kafka/kafka.sh status   # exit 0 when running and answering
#   bash tools/kafka/kafka.sh reset    # stop and delete the broker's data (keeps the jars)
#
# Everything it writes lives under .mneme/kafka (gitignored). It only ever binds 127.0.0.1.
# Besides the plaintext listener there is a SASL_SSL one: TLS with a certificate of a CA made here
# with openssl (.mneme/kafka/tls/ca.crt), and SCRAM-SHA-512 as the test user below (the Kafka bus's
# TLS and SASL tests use it). The user is created when the storage is formatted; storage formatted
# before this listener existed, or a machine without openssl, runs without it (`kafka.sh reset`
# re-formats).
# Environment (all optional):
#   MNEME_KAFKA_PORT             broker port                       (default 19092)
#   MNEME_KAFKA_CONTROLLER_PORT  KRaft controller port             (default 19093)
#   MNEME_KAFKA_SASL_PORT        SASL_SSL (TLS + SCRAM-SHA-512) port (default 19094)
#   MNEME_KAFKA_START_TIMEOUT    seconds to wait for the broker    (default 90)
#   MNEME_KAFKA_STOP_TIMEOUT     seconds before a stop is a kill   (default 30)
#   MNEME_KAFKA_HEAP             JVM heap flags                    (default -Xms256m -Xmx512m)
#   MNEME_KAFKA_HOME             data, config and pid folder       (default .mneme/kafka; jars stay there)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
POM="$ROOT/tools/kafka/pom.xml"
# MNEME_KAFKA_HOME gives a second broker (own data, config and pid) for a probe that stops it.
HOME_DIR="${MNEME_KAFKA_HOME:-$ROOT/.mneme/kafka}"
LIBS="$ROOT/.mneme/kafka/libs"
DATA="$HOME_DIR/data"
CONFIG="$HOME_DIR/server.properties"
LOG4J_CONFIG="$HOME_DIR/log4j2.properties"
SERVER_LOG="$HOME_DIR/server.log"
PID_FILE="$HOME_DIR/kafka.pid"

HOST=127.0.0.1
PORT="${MNEME_KAFKA_PORT:-19092}"
CONTROLLER_PORT="${MNEME_KAFKA_CONTROLLER_PORT:-19093}"
SASL_PORT="${MNEME_KAFKA_SASL_PORT:-19094}"
# Test-only credentials on a loopback broker; libs/events/src/kafka-test-broker.ts holds the same.
SCRAM_USER=mneme-test
SCRAM_PASSWORD=mneme-test-secret
# Written when the storage was formatted with the SCRAM user.
SCRAM_MARKER="$DATA/.scram-user"
# The SASL_SSL listener's CA and keystore (test-only, loopback).
TLS_DIR="$HOME_DIR/tls"
KEYSTORE_PASSWORD=mneme-test-keystore
START_TIMEOUT="${MNEME_KAFKA_START_TIMEOUT:-90}"
STOP_TIMEOUT="${MNEME_KAFKA_STOP_TIMEOUT:-30}"
HEAP="${MNEME_KAFKA_HEAP:--Xms256m -Xmx512m}"
# C1 only and a serial collector: a test broker on 2 shared cores starts faster and competes less.
JVM_FLAGS="${MNEME_KAFKA_JVM_FLAGS:--XX:TieredStopAtLevel=1 -XX:+UseSerialGC}"
# Fixed so that re-formatting is never needed and logs are comparable between runs; it is
# base64url("mneme-local-0001"), the 16-byte form Kafka expects.
CLUSTER_ID="bW5lbWUtbG9jYWwtMDAwMQ"

log() { printf '[kafka] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

need() {
  command -v "$1" >/dev/null 2>&1 || die "$1 not found on PATH: $2"
}

# A marker written after a complete copy, so an interrupted fetch is redone rather than trusted.
FETCHED="$LIBS/.complete"

cmd_fetch() {
  if [[ -f "$FETCHED" ]]; then
    log "jars present in ${LIBS#"$ROOT"/} ($(find "$LIBS" -name '*.jar' | wc -l) jars)"
    return 0
  fi
  need mvn "install Maven (Debian: apt-get install maven)"
  need java "install Java 17+ (Debian: apt-get install openjdk-17-jre-headless)"
  log "fetching the broker's jars with Maven into ${LIBS#"$ROOT"/}"
  local started=$SECONDS
  rm -rf "$LIBS"
  mkdir -p "$LIBS"
  mvn -q -B -Dstyle.color=never -f "$POM" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$LIBS" \
    || die "mvn dependency:copy-dependencies failed (is Maven Central reachable?)"
  touch "$FETCHED"
  log "fetched $(find "$LIBS" -name '*.jar' | wc -l) jars in $((SECONDS - started)) s"
}

# A CA and a broker certificate for 127.0.0.1 and localhost (EC P-256, ten years: test data that
# lives with the storage), made once; the broker reads them as a PKCS#12 keystore.
make_tls() {
  [[ -f "$TLS_DIR/broker.p12" ]] && return 0
  command -v openssl >/dev/null 2>&1 || return 1
  mkdir -p "$TLS_DIR"
  (
    cd "$TLS_DIR"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 -subj /CN=mneme-test-kafka-ca -keyout ca.key -out ca.crt
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost -keyout broker.key -out broker.csr
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >broker.ext
    openssl x509 -req -in broker.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -extfile broker.ext -out broker.crt
    openssl pkcs12 -export -in broker.crt -inkey broker.key -name broker -out broker.p12.tmp -passout "pass:$KEYSTORE_PASSWORD"
    mv broker.p12.tmp broker.p12
  ) >"$HOME_DIR/tls.log" 2>&1 || { tail -n 20 "$HOME_DIR/tls.log" >&2; die "making the SASL_SSL listener's certificates failed"; }
}

write_config() {
  mkdir -p "$DATA"
  # The SASL listener only where its user exists (fresh storage gets it when formatted).
  local listeners="PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CONTROLLER_PORT"
  local advertised="PLAINTEXT://$HOST:$PORT"
  local sasl=false
  if [[ -f "$SCRAM_MARKER" || ! -f "$DATA/meta.properties" ]]; then
    if make_tls; then
      sasl=true
      listeners+=",SASL_SSL://$HOST:$SASL_PORT"
      advertised+=",SASL_SSL://$HOST:$SASL_PORT"
    else
      log "no SASL_SSL listener: openssl is missing (Debian: apt-get install openssl)"
    fi
  else
    log "no SASL_SSL listener: the storage predates it; 'kafka.sh reset' re-formats it with the SCRAM user"
  fi
  cat >"$CONFIG" <<EOF
# Written by tools/kafka/kafka.sh on every start; edit the script, not this file.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$CONTROLLER_PORT
listeners=$listeners
advertised.listeners=$advertised
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL
log.dirs=$DATA
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# Topics are created explicitly (libs/events ensureTopics), so a typo never becomes a topic.
auto.create.topics.enable=false
# Tests create and join groups often; do not wait 3 s before the first rebalance.
group.initial.rebalance.delay.ms=0
log.retention.hours=24
EOF
  if [[ "$sasl" == true ]]; then
    cat >>"$CONFIG" <<EOF
sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.ssl.keystore.type=PKCS12
listener.name.sasl_ssl.ssl.keystore.location=$TLS_DIR/broker.p12
listener.name.sasl_ssl.ssl.keystore.password=$KEYSTORE_PASSWORD
listener.name.sasl_ssl.ssl.key.password=$KEYSTORE_PASSWORD
EOF
  fi
  cat >"$LOG4J_CONFIG" <<'EOF'
# Broker logging to stdout (redirected to server.log by kafka.sh); the request and controller
# chatter stays at WARN so the log tail printed on a failed start shows what matters.
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.controller.name = kafka.controller
logger.controller.level = WARN
logger.raft.name = org.apache.kafka.raft
logger.raft.level = WARN
EOF
}

java_cmd() {
  # shellcheck disable=SC2086 # HEAP holds several flags on purpose
  java $HEAP $JVM_FLAGS -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$LOG4J_CONFIG" \
    -cp "$LIBS/*" "$@"
}

running_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(cat "$PID_FILE")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
  # A recycled pid must not be mistaken for the broker (and then killed by stop).
  grep -q 'kafka.Kafka' "/proc/$pid/cmdline" 2>/dev/null || return 1
  echo "$pid"
}

# Any broker JVM started from this checkout's config, pid file or not (a crashed script, a lost file).
stray_pids() {
  local pid
  for pid in $(pgrep -f "kafka.Kafka $CONFIG" 2>/dev/null || true); do
    [[ "$pid" != "$$" ]] && echo "$pid"
  done
}

# The broker's own words on why it failed: its first errors, then the end of its log.
show_failure() {
  log "$1; first errors and last lines of ${SERVER_LOG#"$ROOT"/}:"
  grep -m 5 -E '^\[[^]]*\] (ERROR|FATAL) ' "$SERVER_LOG" >&2 || true
  echo '  ...' >&2
  tail -n 25 "$SERVER_LOG" >&2 || true
}

port_open() {
  (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null
}

cmd_start() {
  mkdir -p "$HOME_DIR"
  # Two starts at once would run two brokers on one data folder and corrupt it.
  exec 9>"$HOME_DIR/start.lock"
  flock -w "$START_TIMEOUT" 9 || die "another 'kafka.sh start' holds ${HOME_DIR#"$ROOT"/}/start.lock"
  local pid
  if pid="$(running_pid)"; then
    log "already running (pid $pid) on $HOST:$PORT"
    return 0
  fi
  if [[ -n "$(stray_pids)" ]]; then
    die "a broker from this checkout runs without a pid file (pids: $(stray_pids | tr '\n' ' ')); stop it first: kill those pids"
  fi
  if port_open "$PORT"; then
    die "$HOST:$PORT is taken by another process; stop it or set MNEME_KAFKA_PORT"
  fi
  if port_open "$SASL_PORT"; then
    die "$HOST:$SASL_PORT is taken by another process; stop it or set MNEME_KAFKA_SASL_PORT"
  fi
  cmd_fetch
  write_config
  local started=$SECONDS
  if [[ ! -f "$DATA/meta.properties" ]]; then
    log "formatting KRaft storage in ${DATA#"$ROOT"/} (cluster id $CLUSTER_ID)"
    java_cmd kafka.tools.StorageTool format -t "$CLUSTER_ID" -c "$CONFIG" --ignore-formatted \
      --add-scram "SCRAM-SHA-512=[name=$SCRAM_USER,password=$SCRAM_PASSWORD]" \
      >"$HOME_DIR/format.log" 2>&1 || { tail -n 30 "$HOME_DIR/format.log" >&2; die "formatting storage failed"; }
    touch "$SCRAM_MARKER"
  fi
  log "starting the broker on $HOST:$PORT (log: ${SERVER_LOG#"$ROOT"/})"
  # setsid: the broker outlives this script and is not hit by a Ctrl-C sent to the caller's group.
  # shellcheck disable=SC2086 # HEAP holds several flags on purpose
  setsid java $HEAP $JVM_FLAGS -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$LOG4J_CONFIG" \
    -cp "$LIBS/*" kafka.Kafka "$CONFIG" >"$SERVER_LOG" 2>&1 </dev/null 9>&- &
  local child=$!
  echo "$child" >"$PID_FILE"
  local deadline=$((SECONDS + START_TIMEOUT))
  until port_open "$PORT" && grep -q 'Kafka Server started' "$SERVER_LOG" 2>/dev/null; do
    # kill -0 on our own child, not running_pid: until setsid execs java the child's command line
    # is still this script's.
    if ! kill -0 "$child" 2>/dev/null; then
      show_failure "the broker exited during start-up"
      rm -f "$PID_FILE"
      die "broker failed to start"
    fi
    if ((SECONDS >= deadline)); then
      show_failure "no answer on $HOST:$PORT after ${START_TIMEOUT} s"
      cmd_stop || true
      die "broker start timed out (raise MNEME_KAFKA_START_TIMEOUT?)"
    fi
    sleep 0.5
  done
  log "broker ready on $HOST:$PORT (pid $(cat "$PID_FILE")) in $((SECONDS - started)) s"
}

cmd_stop() {
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$PID_FILE"
    log "not running"
    return 0
  fi
  log "stopping the broker (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + STOP_TIMEOUT))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      log "still running after ${STOP_TIMEOUT} s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.5
  done
  rm -f "$PID_FILE"
  log "stopped"
}

cmd_status() {
  local pid
  if pid="$(running_pid)" && port_open "$PORT"; then
    echo "running (pid $pid) on $HOST:$PORT"
    return 0
  fi
  echo "not running"
  return 1
}

cmd_reset() {
  cmd_stop
  rm -rf "$DATA" "$CONFIG" "$SERVER_LOG" "$HOME_DIR/format.log"
  log "data removed"
}

case "${1:-}" in
  fetch) cmd_fetch ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  reset) cmd_reset ;;
  *)
    echo "usage: $0 fetch|start|stop|status|reset" >&2
    exit 2
    ;;
esac

#!/usr/bin/env bash
# Real infrastructure for the distributed shape's adapters and tests, on 127.0.0.1 only:
#   Apache Kafka 4.x (KRaft, single node) from its Maven Central jars,
#   FerretDB v1.24.2 (MongoDB wire protocol, SQLite backend) built with `go install`,
#   Redis from Debian's redis-server;
#   and the real clients tests use: apt peers (mosquitto, paho, coap-client, qpid-proton) and Huawei's IoTDA SDK.
# Usage: tools/infra/infra.sh install|up|down|status|env|reset [kafka|mongo|redis ...]
# Installs go to $NIDUS_INFRA_HOME (shared across clones, so a second run reuses them);
# data, logs and pid files go to $NIDUS_INFRA_RUN (per clone). Every command is idempotent.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
INFRA_HOME=${NIDUS_INFRA_HOME:-$HOME/.cache/nidus-infra}
INFRA_RUN=${NIDUS_INFRA_RUN:-$repo/.infra}

KAFKA_VERSION=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$here/kafka-pom.xml")
FERRETDB_VERSION=v1.24.2
KAFKA_PORT=${NIDUS_INFRA_KAFKA_PORT:-29092}
KAFKA_CONTROLLER_PORT=${NIDUS_INFRA_KAFKA_CONTROLLER_PORT:-29093}
MONGO_PORT=${NIDUS_INFRA_MONGO_PORT:-27117}
REDIS_PORT=${NIDUS_INFRA_REDIS_PORT:-16379}
KAFKA_HEAP=${NIDUS_INFRA_KAFKA_HEAP:--Xms256m -Xmx512m}
WAIT_S=${NIDUS_INFRA_WAIT_S:-90} # seconds each service gets to answer

# Real peer clients that tests drive the platform with (ARCHITECTURE §9), plus redis-server itself.
APT_PACKAGES=(redis-server mosquitto mosquitto-clients python3-paho-mqtt libcoap3-bin python3-qpid-proton curl)

log() { printf '[infra] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# wait_for NAME CHECK_COMMAND... : polls once a second, at most WAIT_S times.
wait_for() {
  local name=$1; shift
  for _ in $(seq 1 "$WAIT_S"); do
    if "$@"; then log "$name is up"; return 0; fi
    sleep 1
  done
  die "$name did not answer within ${WAIT_S}s (logs under $INFRA_RUN/$name)"
}

# ---------------------------------------------------------------- apt peers and redis
install_apt() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "apt-get install ${missing[*]}"
  local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

# Huawei's IoTDA application SDK for Python (PyPI), in its own virtualenv: the e2e tier's real API client.
SDK_VENV=$INFRA_HOME/iotda-sdk-venv
install_sdk_clients() {
  local wanted=$repo/tools/clients/requirements-iotda.txt
  if [ -x "$SDK_VENV/bin/python" ] && cmp -s "$wanted" "$SDK_VENV/requirements.txt"; then return 0; fi
  log "pip install the IoTDA Python SDK into $SDK_VENV"
  rm -rf "$SDK_VENV"
  python3 -m venv "$SDK_VENV"
  "$SDK_VENV/bin/pip" install -q --disable-pip-version-check -r "$wanted"
  cp "$wanted" "$SDK_VENV/requirements.txt"
}

redis_ready() { [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; }

up_redis() {
  if redis_ready; then log "redis already answers on $REDIS_PORT"; return 0; fi
  local dir=$INFRA_RUN/redis; mkdir -p "$dir"
  # No persistence: tests need none, and it keeps the fork-free server cheap.
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no \
    --daemonize yes --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
  wait_for redis redis_ready
}

down_redis() { stop_pid redis "$INFRA_RUN/redis/redis.pid"; }

# ---------------------------------------------------------------- kafka
kafka_lib() { echo "$INFRA_HOME/kafka-$KAFKA_VERSION/lib"; }

install_kafka() {
  local lib; lib=$(kafka_lib)
  [ -f "$lib/.complete" ] && return 0
  command -v mvn >/dev/null || die "mvn is needed to fetch Kafka's jars from Maven Central"
  log "resolving Apache Kafka $KAFKA_VERSION jars from Maven Central"
  rm -rf "$lib"; mkdir -p "$lib"
  mvn -q -B -f "$here/kafka-pom.xml" dependency:copy-dependencies \
    -DoutputDirectory="$lib" -DincludeScope=runtime
  touch "$lib/.complete"
}

# The JVM command line for a Kafka main class; an array, so `"${cmd[@]}" … &` makes $! the JVM itself.
kafka_cmd() {
  # shellcheck disable=SC2206 # KAFKA_HEAP is a list of JVM flags
  kafka=(java $KAFKA_HEAP -XX:+UseG1GC -XX:ActiveProcessorCount=2
    -Dlog4j2.configurationFile="$here/kafka-log4j2.properties" -Dkafka.logs.dir="$INFRA_RUN/kafka"
    -cp "$(kafka_lib)/*")
}

kafka_ready() { port_open "$KAFKA_PORT" && grep -q 'Kafka Server started' "$INFRA_RUN/kafka/server.log" 2>/dev/null; }

up_kafka() {
  if port_open "$KAFKA_PORT"; then log "kafka already answers on $KAFKA_PORT"; return 0; fi
  local dir=$INFRA_RUN/kafka; mkdir -p "$dir/data"
  cat >"$dir/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir/data
num.partitions=3
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=2
EOF
  local kafka; kafka_cmd
  if [ ! -f "$dir/data/meta.properties" ]; then
    local cluster; cluster=$("${kafka[@]}" kafka.tools.StorageTool random-uuid)
    "${kafka[@]}" kafka.tools.StorageTool format --standalone -t "$cluster" -c "$dir/server.properties" >"$dir/format.log"
  fi
  : >"$dir/server.log"
  "${kafka[@]}" kafka.Kafka "$dir/server.properties" >>"$dir/server.log" 2>&1 </dev/null &
  echo $! >"$dir/kafka.pid"
  disown
  wait_for kafka kafka_ready
}

down_kafka() { stop_pid kafka "$INFRA_RUN/kafka/kafka.pid"; }

# ---------------------------------------------------------------- ferretdb (mongo wire)
ferretdb_bin() { echo "$INFRA_HOME/ferretdb-$FERRETDB_VERSION/ferretdb"; }

install_mongo() {
  [ -x "$(ferretdb_bin)" ] && return 0
  command -v go >/dev/null || die "go is needed to build FerretDB"
  log "building FerretDB $FERRETDB_VERSION from the Go module proxy (first run only, a few minutes)"
  # `go install` alone gives a binary that panics at start: FerretDB embeds build/version/version.txt, which its
  # release tooling writes. So: fetch the module, copy it, write the version file, build.
  local mod src
  mod=$(GOFLAGS=-mod=mod go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  [ -d "$mod" ] || die "go mod download of FerretDB $FERRETDB_VERSION failed"
  src=$(mktemp -d)
  cp -r "$mod/." "$src"; chmod -R u+w "$src"
  echo "$FERRETDB_VERSION" >"$src/build/version/version.txt"
  mkdir -p "$(dirname "$(ferretdb_bin)")"
  (cd "$src" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -o "$(ferretdb_bin)" ./cmd/ferretdb)
  rm -rf "$src"
}

up_mongo() {
  if port_open "$MONGO_PORT"; then log "ferretdb already answers on $MONGO_PORT"; return 0; fi
  local dir=$INFRA_RUN/mongo; mkdir -p "$dir/sqlite" "$dir/state"
  nohup "$(ferretdb_bin)" --handler=sqlite --sqlite-url="file:$dir/sqlite/" --state-dir="$dir/state" \
    --listen-addr="127.0.0.1:$MONGO_PORT" --telemetry=disable --log-level=warn \
    >"$dir/ferretdb.log" 2>&1 &
  echo $! >"$dir/ferretdb.pid"
  wait_for mongo port_open "$MONGO_PORT"
}

down_mongo() { stop_pid mongo "$INFRA_RUN/mongo/ferretdb.pid"; }

# ---------------------------------------------------------------- common
stop_pid() {
  local name=$1 pidfile=$2
  if ! pid_alive "$pidfile"; then rm -f "$pidfile"; return 0; fi
  local pid; pid=$(cat "$pidfile")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$pidfile"
  log "$name stopped"
}

status() {
  local s
  redis_ready && s=up || s=down; printf 'redis  %-4s 127.0.0.1:%s\n' "$s" "$REDIS_PORT"
  port_open "$KAFKA_PORT" && s=up || s=down; printf 'kafka  %-4s 127.0.0.1:%s (Kafka %s)\n' "$s" "$KAFKA_PORT" "$KAFKA_VERSION"
  port_open "$MONGO_PORT" && s=up || s=down; printf 'mongo  %-4s 127.0.0.1:%s (FerretDB %s)\n' "$s" "$MONGO_PORT" "$FERRETDB_VERSION"
}

# The variables the platform and the medium-tier tests read (README.md, "Configuration").
env_exports() {
  echo "export KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT"
  echo "export MONGODB_URI=mongodb://127.0.0.1:$MONGO_PORT/nidus"
  echo "export REDIS_URL=redis://127.0.0.1:$REDIS_PORT"
  echo "export NIDUS_TEST_IOTDA_PYTHON=$SDK_VENV/bin/python"
}

cmd=${1:-status}; shift || true
services=("$@"); [ ${#services[@]} -eq 0 ] && services=(redis kafka mongo)
for s in "${services[@]}"; do
  case $s in redis | kafka | mongo) ;; *) die "unknown service '$s' (redis, kafka, mongo)" ;; esac
done

case $cmd in
  install) install_apt; install_sdk_clients; for s in "${services[@]}"; do [ "$s" = redis ] || "install_$s"; done ;;
  up)
    install_apt
    install_sdk_clients
    for s in "${services[@]}"; do [ "$s" = redis ] || "install_$s"; done
    for s in "${services[@]}"; do "up_$s"; done
    status
    ;;
  down) for s in "${services[@]}"; do "down_$s"; done ;;
  reset) for s in "${services[@]}"; do "down_$s"; rm -rf "${INFRA_RUN:?}/$s"; done ;;
  status) status ;;
  env) env_exports ;;
  *) die "usage: infra.sh install|up|down|status|env|reset [kafka|mongo|redis ...]" ;;
esac

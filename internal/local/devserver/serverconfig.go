package devserver

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"

	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/membership/static"
	"go.temporal.io/server/common/metrics"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	"go.temporal.io/server/common/primitives"
	sqliteschema "go.temporal.io/server/schema/sqlite"
)

const (
	// clusterName is the name of the single, local cluster.
	clusterName = "active"
	// storeName names the one SQLite data store used for both default and
	// visibility persistence.
	storeName = "sqlite-default"
	// loopback is where the internal services listen and broadcast.
	loopback = "127.0.0.1"
)

// defaultDynamicConfig are the dynamic config values a development server
// needs beyond the server's defaults. Config.DynamicConfig overrides them.
var defaultDynamicConfig = map[string]any{
	// Search attributes added at start are usable at once, without waiting
	// for the cache to expire.
	"system.forceSearchAttributesCacheRefreshOnRead": true,
	// Visibility (ListWorkflow, CountWorkflow) is polled by tests and
	// operator tools; the default of 10 per second throttles them.
	"frontend.namespaceRPS.visibility": 1000,
}

// dynamicConfig merges the defaults with the caller's overrides.
func dynamicConfig(overrides map[string]any) dynamicconfig.StaticClient {
	dc := make(dynamicconfig.StaticClient, len(defaultDynamicConfig)+len(overrides))
	for k, v := range defaultDynamicConfig {
		dc[dynamicconfig.MakeKey(k)] = v
	}
	for k, v := range overrides {
		dc[dynamicconfig.MakeKey(k)] = v
	}
	return dc
}

// sqlConfig returns the SQLite store configuration for cfg.DBPath, or an
// in-memory store when DBPath is empty.
func sqlConfig(cfg Config) *config.SQL {
	sc := &config.SQL{PluginName: sqliteplugin.PluginName}
	if cfg.DBPath == "" {
		// A random name keeps two in-memory servers in one process apart.
		sc.DatabaseName = "devserver-" + strconv.FormatUint(rand.Uint64(), 36)
		sc.ConnectAttributes = map[string]string{"mode": "memory", "cache": "shared"}
		return sc
	}
	sc.DatabaseName = cfg.DBPath
	sc.ConnectAttributes = map[string]string{
		"mode": "rwc",
		// WAL lets readers (visibility queries) run beside the writer, and
		// survives a killed process: a committed transaction is in the log.
		"journal_mode": "wal",
		// In WAL mode NORMAL loses nothing when the process is killed, only
		// on a power cut, and saves an fsync per commit.
		"synchronous": "NORMAL",
		// Wait for a lock instead of failing with "database is locked".
		"busy_timeout": "10000",
	}
	return sc
}

// prepareDatabase creates the schema in a new database file and registers
// the namespace, with the product's search attributes, when it is missing.
// Both steps are no-ops on a database that already has them.
func prepareDatabase(cfg Config, sc *config.SQL) error {
	if cfg.DBPath != "" {
		fi, err := os.Stat(cfg.DBPath)
		switch {
		case os.IsNotExist(err) || (err == nil && fi.Size() == 0):
			if err := sqliteschema.SetupSchema(sc); err != nil {
				return fmt.Errorf("devserver: creating the schema in %q: %w", cfg.DBPath, err)
			}
		case err != nil:
			return fmt.Errorf("devserver: DBPath %q: %w", cfg.DBPath, err)
		}
	}
	ns, err := sqliteschema.NewNamespaceConfig(clusterName, cfg.Namespace, false, SearchAttributes)
	if err != nil {
		return fmt.Errorf("devserver: namespace %q: %w", cfg.Namespace, err)
	}
	if err := sqliteschema.CreateNamespaces(sc, ns); err != nil {
		return fmt.Errorf("devserver: registering namespace %q in %q: %w", cfg.Namespace, cfg.DBPath, err)
	}
	return nil
}

// dialHost is the address a client uses to reach a frontend bound to host:
// the host itself, or loopback for the unspecified address 0.0.0.0.
func dialHost(host string) string {
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		return loopback
	}
	return host
}

// serviceNames are the services the server runs, all in this process.
var serviceNames = []primitives.ServiceName{
	primitives.FrontendService,
	primitives.HistoryService,
	primitives.MatchingService,
	primitives.WorkerService,
}

// serverConfig builds the static server configuration: the four services on
// loopback (the frontend on cfg.Host:frontendPort), one history shard and
// SQLite for every store. It also returns the services' static membership:
// with a single host there is nothing to discover, and ringpop's discovery
// would read the previous run's addresses from the database after a restart
// and wait for them to answer until its 30s join timeout.
func serverConfig(cfg Config, sc *config.SQL, frontendPort int, ports *portPicker) (*config.Config, map[primitives.ServiceName]static.Hosts, error) {
	hosts := make(map[primitives.ServiceName]static.Hosts, len(serviceNames))
	frontendAddr := net.JoinHostPort(dialHost(cfg.Host), strconv.Itoa(frontendPort))
	var c config.Config
	if cfg.MetricsPort != 0 {
		c.Global.Metrics = &metrics.Config{Prometheus: &metrics.PrometheusConfig{
			Framework:     metrics.FrameworkOpentelemetry,
			ListenAddress: net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.MetricsPort)),
			HandlerPath:   "/metrics",
		}}
	}

	c.Persistence = config.Persistence{
		DefaultStore:     storeName,
		VisibilityStore:  storeName,
		NumHistoryShards: 1,
		DataStores:       map[string]config.DataStore{storeName: {SQL: sc}},
	}

	c.ClusterMetadata = &cluster.Config{
		EnableGlobalNamespace:    false,
		FailoverVersionIncrement: 10,
		MasterClusterName:        clusterName,
		CurrentClusterName:       clusterName,
		ClusterInformation: map[string]cluster.ClusterInformation{
			clusterName: {Enabled: true, InitialFailoverVersion: 1, RPCAddress: frontendAddr},
		},
	}
	c.DCRedirectionPolicy.Policy = "noop"

	c.Services = make(map[string]config.Service, len(serviceNames))
	for _, name := range serviceNames {
		var svc config.Service
		if name == primitives.FrontendService {
			svc.RPC.GRPCPort = frontendPort
			svc.RPC.BindOnIP = cfg.Host
			// The HTTP API (and Nexus) on a free port; without it the
			// frontend warns on every start.
			hostPorts := &portPicker{host: cfg.Host}
			httpPort, err := hostPorts.pick()
			hostPorts.close()
			if err != nil {
				return nil, nil, err
			}
			svc.RPC.HTTPPort = httpPort
		} else {
			grpcPort, err := ports.pick()
			if err != nil {
				return nil, nil, err
			}
			svc.RPC.GRPCPort = grpcPort
			svc.RPC.BindOnLocalHost = true
		}
		c.Services[string(name)] = svc
		addr := frontendAddr
		if name != primitives.FrontendService {
			addr = net.JoinHostPort(loopback, strconv.Itoa(svc.RPC.GRPCPort))
		}
		hosts[name] = static.SingleLocalHost(addr)
	}

	c.Archival.History.State = "disabled"
	c.Archival.Visibility.State = "disabled"
	c.NamespaceDefaults.Archival.History.State = "disabled"
	c.NamespaceDefaults.Archival.Visibility.State = "disabled"
	// The server's internal workers dial the frontend through this address.
	c.PublicClient.HostPort = frontendAddr
	return &c, hosts, nil
}

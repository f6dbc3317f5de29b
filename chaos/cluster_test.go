//go:build chaos

package chaos_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/jackc/pgx/v5"
	"github.com/rs/zerolog"
	"go.temporal.io/sdk/client"
)

// Credentials and regions of the local endpoints the suite starts.
const (
	s3Region    = "us-east-1"
	ociRegion   = "us-ashburn-1"
	ociNS       = "ocimove"
	s3AccessKey = "AKIACHAOS"
	s3SecretKey = "chaos-secret-key"
)

// scenarioIDs are the scenarios' numbers; each has its own buckets.
const scenarioCount = 12

var seedFlag = flag.Uint64("chaos.seed", 0, "seed of the randomized scenarios (default: OCIMOVE_CHAOS_SEED, else the clock)")

// cluster is what every scenario shares: the Temporal server process, the
// local endpoints' processes, the toxiproxies in front of them and of
// PostgreSQL, and the built commands. Scenarios run one after another.
type cluster struct {
	dir       string
	bins      map[string]string
	temporal  *proc
	tAddr     string
	tc        client.Client
	s3, oci   *proc
	s3URL     string // the endpoint itself (seeding, checks)
	ociURL    string
	ociCreds  string // the OCI config file the endpoint wrote
	toxi      *toxiproxy.ApiServer
	s3Proxy   *toxiproxy.Proxy // what workers dial
	ociProxy  *toxiproxy.Proxy
	pgProxy   *toxiproxy.Proxy
	pgDSN     string // PostgreSQL itself (checks)
	pgProxDSN string // PostgreSQL through its proxy (workers)
	seed      uint64
	full      bool
}

var world *cluster

// setupErr is why the cluster could not start (every test fails or skips
// with it).
var setupErr error

func TestMain(m *testing.M) {
	flag.Parse()
	c, err := startCluster()
	world, setupErr = c, err
	code := m.Run()
	if c != nil {
		c.close()
	}
	os.Exit(code)
}

// need returns the cluster, or skips (fails with OCIMOVE_REQUIRE_ALL=1)
// when it could not start.
func need(t *testing.T) *cluster {
	t.Helper()
	if setupErr != nil {
		if os.Getenv("OCIMOVE_REQUIRE_ALL") == "1" {
			t.Fatalf("chaos cluster: %v", setupErr)
		}
		t.Skipf("chaos cluster: %v", setupErr)
	}
	return world
}

func startCluster() (*cluster, error) {
	dsn := os.Getenv("OCIMOVE_TEST_PG_DSN")
	if dsn == "" {
		return nil, fmt.Errorf("OCIMOVE_TEST_PG_DSN is not set: the routing target is a real PostgreSQL (scripts/postgres.sh prints a DSN)")
	}
	dir, err := os.MkdirTemp("", "ocimove-chaos-")
	if err != nil {
		return nil, err
	}
	if dsn, err = ownSchema(dsn); err != nil {
		return nil, err
	}
	c := &cluster{dir: dir, pgDSN: dsn, full: os.Getenv("OCIMOVE_CHAOS_FULL") == "1"}
	c.seed = *seedFlag
	if c.seed == 0 {
		if s := os.Getenv("OCIMOVE_CHAOS_SEED"); s != "" {
			if c.seed, err = strconv.ParseUint(s, 10, 64); err != nil {
				return nil, fmt.Errorf("OCIMOVE_CHAOS_SEED %q is not an unsigned integer: %w", s, err)
			}
		}
	}
	if c.seed == 0 {
		c.seed = uint64(time.Now().UnixNano())
	}
	fmt.Printf("chaos: seed %d (replay with OCIMOVE_CHAOS_SEED=%d), full form %v, state in %s\n", c.seed, c.seed, c.full, dir)
	if c.bins, err = buildBinaries(filepath.Join(dir, "bin"), "cmd/devserver", "cmd/worker", "cmd/localcloud", "cmd/starter"); err != nil {
		return c, err
	}
	if err := c.startTemporal(); err != nil {
		return c, err
	}
	if err := c.startEndpoints(); err != nil {
		return c, err
	}
	if err := c.startProxies(); err != nil {
		return c, err
	}
	return c, nil
}

// startTemporal runs cmd/devserver on a SQLite file, on a fixed port so
// that a restart serves the same address.
func (c *cluster) startTemporal() error {
	port, err := freePort()
	if err != nil {
		return err
	}
	c.temporal = newProc("devserver", c.bins["devserver"], []string{"--db", filepath.Join(c.dir, "temporal.db"),
		"--port", strconv.Itoa(port), "--log-file", filepath.Join(c.dir, "temporal-server.log")}, nil, filepath.Join(c.dir, "devserver.log"))
	if err := c.temporal.start(3 * time.Minute); err != nil {
		return err
	}
	c.tAddr = c.temporal.ready
	c.tc, err = client.Dial(client.Options{HostPort: c.tAddr, Logger: quietLogger()})
	return err
}

// restartTemporal stops the server (SIGTERM) and starts it again on the
// same file and port.
func (c *cluster) restartTemporal(down time.Duration) error {
	c.temporal.stop()
	time.Sleep(down)
	return c.temporal.start(3 * time.Minute)
}

func (c *cluster) startEndpoints() error {
	var s3Buckets, ociBuckets []string
	for i := 1; i <= scenarioCount; i++ {
		s3Buckets = append(s3Buckets, "--bucket", srcBucket(i))
		ociBuckets = append(ociBuckets, "--bucket", dstBucket(i))
	}
	c.s3 = newProc("localcloud-s3", c.bins["localcloud"], append([]string{"s3", "--addr", "127.0.0.1:0", "--dir", filepath.Join(c.dir, "s3"),
		"--region", s3Region, "--access-key", s3AccessKey}, s3Buckets...), []string{"LOCALCLOUD_S3_SECRET_KEY=" + s3SecretKey}, filepath.Join(c.dir, "localcloud-s3.log"))
	if err := c.s3.start(time.Minute); err != nil {
		return err
	}
	c.s3URL = c.s3.ready
	creds := filepath.Join(c.dir, "oci-creds")
	c.oci = newProc("localcloud-oci", c.bins["localcloud"], append([]string{"oci", "--addr", "127.0.0.1:0", "--dir", filepath.Join(c.dir, "oci"),
		"--region", ociRegion, "--namespace", ociNS, "--write-credentials", creds}, ociBuckets...), nil, filepath.Join(c.dir, "localcloud-oci.log"))
	if err := c.oci.start(time.Minute); err != nil {
		return err
	}
	c.ociURL = c.oci.ready
	c.ociCreds = filepath.Join(creds, "config")
	return nil
}

// startProxies puts an embedded toxiproxy in front of each endpoint and of
// PostgreSQL.
func (c *cluster) startProxies() error {
	c.toxi = toxiproxy.NewServer(toxiproxy.NewMetricsContainer(nil), zerolog.Nop())
	mk := func(name, upstream string) (*toxiproxy.Proxy, error) {
		p := toxiproxy.NewProxy(c.toxi, name, "127.0.0.1:0", upstream)
		if err := c.toxi.Collection.Add(p, true); err != nil {
			return nil, fmt.Errorf("toxiproxy %s: %w", name, err)
		}
		return p, nil
	}
	var err error
	if c.s3Proxy, err = mk("s3", hostOf(c.s3URL)); err != nil {
		return err
	}
	if c.ociProxy, err = mk("oci", hostOf(c.ociURL)); err != nil {
		return err
	}
	u, err := url.Parse(c.pgDSN)
	if err != nil {
		return fmt.Errorf("OCIMOVE_TEST_PG_DSN: %w", err)
	}
	if c.pgProxy, err = mk("postgres", u.Host); err != nil {
		return err
	}
	u.Host = c.pgProxy.Listen
	c.pgProxDSN = u.String()
	return nil
}

func (c *cluster) close() {
	if c.tc != nil {
		c.tc.Close()
	}
	for _, p := range []*proc{c.temporal, c.s3, c.oci} {
		if p != nil {
			p.stop()
		}
	}
	if c.toxi != nil {
		c.toxi.Collection.Clear()
	}
	if os.Getenv("OCIMOVE_CHAOS_KEEP") == "" {
		_ = os.RemoveAll(c.dir)
	} else {
		fmt.Printf("chaos: state kept in %s\n", c.dir)
	}
}

// s3ProxyURL and ociProxyURL are what the plan (and so the workers) dial.
func (c *cluster) s3ProxyURL() string  { return "http://" + c.s3Proxy.Listen }
func (c *cluster) ociProxyURL() string { return "http://" + c.ociProxy.Listen }

// resetFaults removes every toxic and every HTTP fault rule.
func (c *cluster) resetFaults() {
	for _, p := range []*toxiproxy.Proxy{c.s3Proxy, c.ociProxy, c.pgProxy} {
		p.Toxics.ResetToxics(context.Background())
		if !p.Enabled {
			_ = p.Start()
		}
	}
	_ = httpFaults(c.s3URL, http.MethodDelete, nil)
	_ = httpFaults(c.ociURL, http.MethodDelete, nil)
}

// addToxic adds a toxic (toxiproxy's JSON form) to p.
func addToxic(p *toxiproxy.Proxy, name, typ, stream string, toxicity float64, attrs map[string]any) error {
	body, _ := json.Marshal(map[string]any{"name": name, "type": typ, "stream": stream, "toxicity": toxicity, "attributes": attrs})
	_, err := p.Toxics.AddToxicJson(strings.NewReader(string(body)))
	return err
}

// httpFaults calls an endpoint's fault admin (/_faults): POST adds rules,
// DELETE clears them.
func httpFaults(base, method string, rules any) error {
	var body *strings.Reader
	if rules != nil {
		b, _ := json.Marshal(rules)
		body = strings.NewReader(string(b))
	} else {
		body = strings.NewReader("")
	}
	req, err := http.NewRequest(method, base+"/_faults", body)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("faults %s %s: %w", method, base, err)
	}
	defer res.Body.Close()
	if res.StatusCode >= 300 {
		return fmt.Errorf("faults %s %s: %s", method, base, res.Status)
	}
	return nil
}

// faultStats reads an endpoint's fired faults and received PUT bytes.
func faultStats(base string) (fired map[string]int, putBytes int64, err error) {
	res, err := http.Get(base + "/_faults")
	if err != nil {
		return nil, 0, err
	}
	defer res.Body.Close()
	var v struct {
		Fired    map[string]int `json:"fired"`
		PutBytes int64          `json:"putBytes"`
	}
	if err := json.NewDecoder(res.Body).Decode(&v); err != nil {
		return nil, 0, fmt.Errorf("faults stats of %s: %w", base, err)
	}
	return v.Fired, v.PutBytes, nil
}

// pgSchema is the suite's own schema: the shard maps and pgroute's trigger
// function live there, apart from other tests' (a function another role
// created in the shared schema cannot be replaced by this one).
const pgSchema = "ocimove_chaos"

// ownSchema creates pgSchema and returns dsn with it first on the
// search_path.
func ownSchema(dsn string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return "", fmt.Errorf("connect to OCIMOVE_TEST_PG_DSN: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+pgSchema); err != nil {
		return "", fmt.Errorf("create schema %s: %w", pgSchema, err)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "", fmt.Errorf("OCIMOVE_TEST_PG_DSN: %w", err)
	}
	q := u.Query()
	q.Set("search_path", pgSchema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func srcBucket(n int) string { return fmt.Sprintf("chaos-src-%02d", n) }
func dstBucket(n int) string { return fmt.Sprintf("chaos-dst-%02d", n) }

func hostOf(u string) string {
	pu, err := url.Parse(u)
	if err != nil {
		return u
	}
	return pu.Host
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

package e2e_test

import (
	"context"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/goccy/go-yaml"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/dashboards"
	"github.com/ocimove/ocimove/internal/local/devserver"
	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/routing/fileroute"
	"github.com/ocimove/ocimove/internal/store/ocistore"
	"github.com/ocimove/ocimove/internal/store/s3store"
)

// loadCompose loads docker-compose.yml as `docker compose` does, with the
// given profiles, and with no variable of this machine's environment set.
func loadCompose(t *testing.T, profiles ...string) *types.Project {
	t.Helper()
	root, err := filepath.Abs(repoRoot)
	require.NoError(t, err)
	opts, err := cli.NewProjectOptions([]string{filepath.Join(root, "docker-compose.yml")},
		cli.WithWorkingDirectory(root), cli.WithProfiles(profiles), cli.WithEnv(nil))
	require.NoError(t, err)
	p, err := opts.LoadProject(context.Background())
	require.NoError(t, err, "docker-compose.yml loads")
	return p
}

func serviceOf(t *testing.T, p *types.Project, name string) types.ServiceConfig {
	t.Helper()
	s, ok := p.Services[name]
	require.True(t, ok, "docker-compose.yml has a service %s", name)
	return s
}

// envOf returns a service's environment variable.
func envOf(s types.ServiceConfig, name string) string {
	if v := s.Environment[name]; v != nil {
		return *v
	}
	return ""
}

// flagOf returns the value after name in a command line.
func flagOf(cmd []string, name string) string {
	for i, a := range cmd {
		if a == name && i+1 < len(cmd) {
			return cmd[i+1]
		}
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v
		}
	}
	return ""
}

// mountOf returns a service's volume mounted at target.
func mountOf(t *testing.T, s types.ServiceConfig, target string) types.ServiceVolumeConfig {
	t.Helper()
	for _, v := range s.Volumes {
		if v.Target == target {
			return v
		}
	}
	t.Fatalf("service %s mounts nothing at %s", s.Name, target)
	return types.ServiceVolumeConfig{}
}

func repoPath(t *testing.T, rel string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join(repoRoot, rel))
	require.NoError(t, err)
	return p
}

func portOf(t *testing.T, hostPort string) string {
	t.Helper()
	_, p, err := net.SplitHostPort(hostPort)
	require.NoError(t, err, "host:port %q", hostPort)
	return p
}

// TestComposeServicesAndProfiles checks the stack's services, and that
// the "local" profile adds the local endpoints, the sample data and the
// demo migration.
func TestComposeServicesAndProfiles(t *testing.T) {
	base := []string{"grafana", "postgresql", "prometheus", "temporal", "temporal-schema", "temporal-setup", "temporal-ui", "worker"}
	local := []string{"demo-seed", "demo-start", "localcloud-oci", "localcloud-s3"}
	assert.ElementsMatch(t, base, loadCompose(t).ServiceNames())
	assert.ElementsMatch(t, append(append([]string{}, base...), local...), loadCompose(t, "local").ServiceNames())
}

// TestComposeEveryServiceIsHealthChecked checks that every service has a
// health check, or waits for one that has (healthy), or for a one-shot
// job that itself waits so (completed successfully).
func TestComposeEveryServiceIsHealthChecked(t *testing.T) {
	p := loadCompose(t, "local")
	hasCheck := func(s types.ServiceConfig) bool {
		return s.HealthCheck != nil && !s.HealthCheck.Disable && len(s.HealthCheck.Test) > 0 && s.HealthCheck.Test[0] != "NONE"
	}
	var ok func(name string, seen map[string]bool) bool
	ok = func(name string, seen map[string]bool) bool {
		if seen[name] {
			return false // a cycle
		}
		seen[name] = true
		s := p.Services[name]
		if hasCheck(s) {
			return true
		}
		for dep, d := range s.DependsOn {
			switch d.Condition {
			case types.ServiceConditionHealthy:
				if hasCheck(p.Services[dep]) {
					return true
				}
			case types.ServiceConditionCompletedSuccessfully:
				if ok(dep, seen) {
					return true
				}
			}
		}
		return false
	}
	for _, name := range p.ServiceNames() {
		assert.True(t, ok(name, map[string]bool{}), "service %s has no health check and waits for none that has", name)
		for dep, d := range p.Services[name].DependsOn {
			assert.NotEqual(t, types.ServiceConditionStarted, d.Condition, "service %s waits for %s only to start", name, dep)
		}
	}
}

// TestComposePrometheusScrapesEveryWorkerReplica checks that Prometheus
// loads the shipped configuration, whose worker job discovers every
// replica of the worker service by DNS on the port the worker serves
// /metrics on, and that the worker can be scaled.
func TestComposePrometheusScrapesEveryWorkerReplica(t *testing.T) {
	p := loadCompose(t)
	prom := serviceOf(t, p, "prometheus")
	cfgPath := flagOf(prom.Command, "--config.file")
	require.NotEmpty(t, cfgPath, "prometheus is given --config.file")
	m := mountOf(t, prom, filepath.Dir(cfgPath))
	assert.Equal(t, repoPath(t, "deploy/prometheus"), m.Source)
	local := filepath.Join(m.Source, filepath.Base(cfgPath))
	data, err := os.ReadFile(local)
	require.NoError(t, err)
	var cfg struct {
		RuleFiles     []string `yaml:"rule_files"`
		ScrapeConfigs []struct {
			JobName string `yaml:"job_name"`
			DNS     []struct {
				Names []string `yaml:"names"`
				Type  string   `yaml:"type"`
				Port  int      `yaml:"port"`
			} `yaml:"dns_sd_configs"`
			Static []struct {
				Targets []string `yaml:"targets"`
			} `yaml:"static_configs"`
		} `yaml:"scrape_configs"`
	}
	require.NoError(t, yaml.Unmarshal(data, &cfg))

	w := serviceOf(t, p, "worker")
	metricsPort := portOf(t, envOf(w, "OCIMOVE_HTTP_ADDR"))
	found := false
	for _, sc := range cfg.ScrapeConfigs {
		switch sc.JobName {
		case dashboards.WorkerJob:
			found = true
			require.Len(t, sc.DNS, 1, "the worker job discovers replicas by DNS")
			assert.Equal(t, []string{"worker"}, sc.DNS[0].Names, "by the worker service's name")
			assert.Equal(t, "A", sc.DNS[0].Type, "one A record per replica")
			assert.Equal(t, metricsPort, strconv.Itoa(sc.DNS[0].Port), "on the worker's metrics port")
		case "temporal-server":
			require.Len(t, sc.Static, 1)
			tm := serviceOf(t, p, "temporal")
			assert.Equal(t, []string{"temporal:" + portOf(t, envOf(tm, "PROMETHEUS_ENDPOINT"))}, sc.Static[0].Targets)
		}
	}
	assert.True(t, found, "prometheus.yml has the job %s the dashboard and rules use", dashboards.WorkerJob)

	assert.Contains(t, w.Expose, metricsPort, "the worker exposes its metrics port")
	require.NotNil(t, w.HealthCheck)
	u, err := url.Parse(w.HealthCheck.Test[len(w.HealthCheck.Test)-1])
	require.NoError(t, err)
	assert.Equal(t, metricsPort, u.Port(), "the health check asks the metrics port")
	assert.Equal(t, "/readyz", u.Path)
	assert.Empty(t, w.ContainerName, "replicas cannot share a container name")
	assert.Empty(t, w.Ports, "replicas cannot share a host port")

	var rules []string
	for _, pattern := range cfg.RuleFiles {
		matches, err := filepath.Glob(filepath.Join(m.Source, pattern))
		require.NoError(t, err)
		rules = append(rules, matches...)
	}
	assert.Contains(t, rules, repoPath(t, "deploy/prometheus/rules/ocimove-alerts.yml"), "the alert rules are loaded")
}

// TestComposeGrafanaMountsTheDashboards checks that Grafana provisions the
// datasource the dashboard queries and the dashboards from dashboards/.
func TestComposeGrafanaMountsTheDashboards(t *testing.T) {
	p := loadCompose(t)
	g := serviceOf(t, p, "grafana")
	prov := mountOf(t, g, "/etc/grafana/provisioning")
	assert.Equal(t, repoPath(t, "dashboards/provisioning"), prov.Source)
	var target string
	for _, v := range g.Volumes {
		if v.Source == repoPath(t, "dashboards") {
			target = v.Target
		}
	}
	require.NotEmpty(t, target, "grafana mounts dashboards/")

	data, err := os.ReadFile(filepath.Join(prov.Source, "dashboards", "ocimove.yml"))
	require.NoError(t, err)
	var providers struct {
		Providers []struct {
			Type    string `yaml:"type"`
			Options struct {
				Path string `yaml:"path"`
			} `yaml:"options"`
		} `yaml:"providers"`
	}
	require.NoError(t, yaml.Unmarshal(data, &providers))
	require.Len(t, providers.Providers, 1)
	assert.Equal(t, "file", providers.Providers[0].Type)
	assert.Equal(t, target, providers.Providers[0].Options.Path, "the provider reads the mounted dashboards/")
	home := envOf(g, "GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH")
	assert.Equal(t, filepath.Join(target, dashboards.MigrationsFile), home)
	assert.FileExists(t, repoPath(t, filepath.Join("dashboards", dashboards.MigrationsFile)))

	data, err = os.ReadFile(filepath.Join(prov.Source, "datasources", "prometheus.yml"))
	require.NoError(t, err)
	var ds struct {
		Datasources []struct {
			UID string `yaml:"uid"`
			URL string `yaml:"url"`
		} `yaml:"datasources"`
	}
	require.NoError(t, yaml.Unmarshal(data, &ds))
	require.Len(t, ds.Datasources, 1)
	assert.Equal(t, dashboards.DatasourceUID, ds.Datasources[0].UID)
	u, err := url.Parse(ds.Datasources[0].URL)
	require.NoError(t, err)
	serviceOf(t, p, u.Hostname())
	assert.Equal(t, "9090", u.Port(), "Prometheus's port")
}

// TestComposeWorkerImageBuildsTheBinariesItRuns reads the Dockerfile: a
// multi-stage build on the Go release go.mod asks for, whose `go build`
// targets are this module's commands, copied to the paths the image's
// entrypoint and the compose services run, as a user that is not root.
func TestComposeWorkerImageBuildsTheBinariesItRuns(t *testing.T) {
	p := loadCompose(t, "local")
	w := serviceOf(t, p, "worker")
	require.NotNil(t, w.Build)
	assert.Equal(t, repoPath(t, "."), w.Build.Context)
	df := dockerfile(t, filepath.Join(w.Build.Context, w.Build.Dockerfile))
	assert.GreaterOrEqual(t, df.stages, 2, "a multi-stage build")
	assert.Equal(t, goDirective(t), df.args["GO_VERSION"], "the Go release of go.mod's go line")
	require.NotEmpty(t, df.builds)

	built := map[string]bool{}
	for out, pkg := range df.builds {
		built[out] = true
		cmd := exec.Command("go", "list", "-f", "{{.Name}} {{.ImportPath}}", pkg)
		cmd.Dir = w.Build.Context
		res, err := cmd.Output()
		require.NoError(t, err, "the Dockerfile builds %s, a package of this module", pkg)
		assert.True(t, strings.HasPrefix(string(res), "main github.com/ocimove/ocimove/cmd/"), "%s is a command: %s", pkg, res)
	}
	installed := map[string]bool{}
	for src, dst := range df.copies {
		assert.True(t, built[src], "COPY --from the build stage copies %s, which it builds", src)
		installed[dst] = true
	}
	require.NotEmpty(t, df.entrypoint)
	assert.True(t, installed[df.entrypoint[0]], "the entrypoint %s is a binary the image installs", df.entrypoint[0])
	assert.Contains(t, df.entrypoint[0], "worker")
	assert.NotEmpty(t, df.user)
	assert.NotContains(t, []string{"root", "0", "0:0"}, df.user, "the image runs as a user that is not root")

	for _, s := range p.Services {
		if s.Image != w.Image {
			continue
		}
		require.NotNil(t, s.Build, "service %s builds the image it runs", s.Name)
		if len(s.Entrypoint) > 0 {
			assert.True(t, installed[s.Entrypoint[0]], "service %s runs %s, which the image installs", s.Name, s.Entrypoint[0])
		}
	}

	ignore, err := os.ReadFile(repoPath(t, ".dockerignore"))
	require.NoError(t, err)
	for _, line := range strings.Split(string(ignore), "\n") {
		line = strings.TrimPrefix(strings.TrimSpace(line), "/")
		for _, needed := range []string{"go.mod", "go.sum", "cmd", "internal", "workflows", "activities"} {
			assert.NotEqual(t, needed, line, ".dockerignore leaves %s out of the build", needed)
		}
	}
}

// TestComposeTemporalIsSetUpWithAdminTools checks that Temporal runs on
// PostgreSQL with its schema, namespace and ocimove's search attributes
// set up by the admin-tools image (not the deprecated auto-setup one),
// before the workers start.
func TestComposeTemporalIsSetUpWithAdminTools(t *testing.T) {
	p := loadCompose(t, "local")
	for _, s := range p.Services {
		assert.NotContains(t, s.Image, "auto-setup", "service %s", s.Name)
	}
	schema, srv, setup := serviceOf(t, p, "temporal-schema"), serviceOf(t, p, "temporal"), serviceOf(t, p, "temporal-setup")
	assert.True(t, strings.HasPrefix(schema.Image, "temporalio/admin-tools:"), schema.Image)
	assert.True(t, strings.HasPrefix(setup.Image, "temporalio/admin-tools:"), setup.Image)
	assert.True(t, strings.HasPrefix(srv.Image, "temporalio/server:"), srv.Image)
	assert.Equal(t, "postgres12", envOf(srv, "DB"))
	assert.Equal(t, "postgresql", envOf(srv, "POSTGRES_SEEDS"))
	assert.Equal(t, types.ServiceConditionCompletedSuccessfully, srv.DependsOn["temporal-schema"].Condition)
	assert.Equal(t, types.ServiceConditionCompletedSuccessfully, serviceOf(t, p, "worker").DependsOn["temporal-setup"].Condition)
	dc := envOf(srv, "DYNAMIC_CONFIG_FILE_PATH")
	m := mountOf(t, srv, filepath.Dir(dc))
	assert.FileExists(t, filepath.Join(m.Source, filepath.Base(dc)))

	script := func(s types.ServiceConfig) string {
		require.NotEmpty(t, s.Command, "service %s runs a script", s.Name)
		m := mountOf(t, s, filepath.Dir(s.Command[0]))
		path := filepath.Join(m.Source, filepath.Base(s.Command[0]))
		out, err := exec.Command("sh", "-n", path).CombinedOutput()
		require.NoError(t, err, "sh -n %s: %s", path, out)
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		return string(data)
	}
	assert.Contains(t, script(schema), "temporal-sql-tool")
	ns := script(setup)
	loop := regexp.MustCompile(`(?m)^for name in ([A-Za-z ]+); do$`).FindStringSubmatch(ns)
	require.NotNil(t, loop, "the set-up loops over the search attributes")
	var want []string
	for name, typ := range devserver.SearchAttributes {
		want = append(want, name)
		assert.Contains(t, ns, "--type "+typ.String(), "search attribute %s is a %s", name, typ)
	}
	assert.ElementsMatch(t, want, strings.Fields(loop[1]), "the set-up registers every search attribute the workflows set")
	assert.Contains(t, ns, "namespace create")
}

// TestComposeDemoPlanMatchesTheLocalEndpoints checks that the local
// profile's plan is valid and names the local endpoints' services, ports,
// bucket, credentials and a routing file the workers can share.
func TestComposeDemoPlanMatchesTheLocalEndpoints(t *testing.T) {
	p := loadCompose(t, "local")
	start := serviceOf(t, p, "demo-start")
	planPath := start.Command[len(start.Command)-1]
	m := mountOf(t, start, filepath.Dir(planPath))
	pl, err := plan.LoadFile(filepath.Join(m.Source, filepath.Base(planPath)))
	require.NoError(t, err, "the demo plan loads and validates")

	s3, oci, w := serviceOf(t, p, "localcloud-s3"), serviceOf(t, p, "localcloud-oci"), serviceOf(t, p, "worker")
	src, ok := pl.Sources.Primary.Settings.(*s3store.Settings)
	require.True(t, ok, "the demo's source is an S3 bucket")
	dst, ok := pl.Destination.Settings.(*ocistore.Settings)
	require.True(t, ok, "the demo's destination is an OCI bucket")
	routes, ok := pl.Cutover.Target.Settings.(*fileroute.Settings)
	require.True(t, ok, "the demo routes with a file")
	srcURL, err := url.Parse(src.Endpoint)
	require.NoError(t, err)
	assert.Equal(t, "localcloud-s3", srcURL.Hostname())
	assert.Equal(t, portOf(t, flagOf(s3.Command, "--addr")), srcURL.Port())
	assert.Equal(t, flagOf(s3.Command, "--bucket"), src.Bucket)
	assert.Equal(t, flagOf(s3.Command, "--region"), src.Region)
	assert.Equal(t, envOf(w, "AWS_ACCESS_KEY_ID"), flagOf(s3.Command, "--access-key"), "the workers sign with the endpoint's key")
	assert.Equal(t, envOf(w, "AWS_SECRET_ACCESS_KEY"), envOf(s3, "LOCALCLOUD_S3_SECRET_KEY"))

	dstURL, err := url.Parse(dst.Endpoint)
	require.NoError(t, err)
	assert.Equal(t, "localcloud-oci", dstURL.Hostname())
	assert.Equal(t, portOf(t, flagOf(oci.Command, "--addr")), dstURL.Port())
	assert.Equal(t, flagOf(oci.Command, "--bucket"), dst.Bucket)
	assert.Equal(t, flagOf(oci.Command, "--namespace"), dst.Namespace)
	assert.Equal(t, flagOf(oci.Command, "--region"), dst.Region)
	creds := flagOf(oci.Command, "--write-credentials")
	assert.Equal(t, filepath.Join(creds, "config"), dst.Auth.ConfigFile, "the config file the endpoint writes")
	assert.Equal(t, mountOf(t, oci, creds).Source, mountOf(t, w, filepath.Dir(dst.Auth.ConfigFile)).Source,
		"the workers mount the volume the endpoint writes its credentials to")

	route := mountOf(t, w, filepath.Dir(routes.Path))
	assert.Equal(t, types.VolumeTypeVolume, route.Type, "one routing file for every worker replica")
	assert.False(t, route.ReadOnly)
	assert.True(t, slices.Contains(pl.Residency.AllowedRegions, dst.Region))

	seed := serviceOf(t, p, "demo-seed")
	assert.Equal(t, "http://localcloud-s3:"+srcURL.Port(), envOf(seed, "S3_ENDPOINT"))
	sm := mountOf(t, seed, filepath.Dir(seed.Command[0]))
	out, err := exec.Command("sh", "-n", filepath.Join(sm.Source, filepath.Base(seed.Command[0]))).CombinedOutput()
	assert.NoError(t, err, "%s", out)
}

// dockerfileInfo is what the compose test reads from a Dockerfile.
type dockerfileInfo struct {
	stages     int
	args       map[string]string
	builds     map[string]string // go build output → package
	copies     map[string]string // COPY --from source → destination
	entrypoint []string
	user       string
}

// dockerfile reads the instructions the test checks, joining continued
// lines.
func dockerfile(t *testing.T, path string) dockerfileInfo {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	info := dockerfileInfo{args: map[string]string{}, builds: map[string]string{}, copies: map[string]string{}}
	joined := strings.ReplaceAll(string(data), "\\\n", " ")
	for _, line := range strings.Split(joined, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		inst, rest, _ := strings.Cut(line, " ")
		f := strings.Fields(rest)
		switch strings.ToUpper(inst) {
		case "FROM":
			info.stages++
		case "ARG":
			if k, v, ok := strings.Cut(rest, "="); ok {
				info.args[strings.TrimSpace(k)] = strings.TrimSpace(v)
			}
		case "RUN":
			for _, cmd := range strings.Split(rest, "&&") {
				c := strings.Fields(cmd)
				for i := 0; i+1 < len(c); i++ { // after RUN's own --mount options
					if c[i] == "go" && c[i+1] == "build" {
						info.builds[flagOf(c[i:], "-o")] = c[len(c)-1]
						break
					}
				}
			}
		case "COPY":
			if len(f) == 3 && strings.HasPrefix(f[0], "--from=") {
				info.copies[f[1]] = f[2]
			}
		case "ENTRYPOINT":
			require.NoError(t, yaml.Unmarshal([]byte(rest), &info.entrypoint), "ENTRYPOINT in exec form: %s", rest)
		case "USER":
			info.user = strings.TrimSpace(rest)
		}
	}
	return info
}

// goDirective is the Go release of go.mod's go line.
func goDirective(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(repoPath(t, "go.mod"))
	require.NoError(t, err)
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "go "); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Fatal("go.mod has no go line")
	return ""
}

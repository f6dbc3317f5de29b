package e2e_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ocimove/ocimove/internal/promapi/promtest"
)

// TestPrometheusShippedConfigAndRulesPassPromtool runs promtool on what
// the stack's Prometheus loads: the configuration (with its rule files),
// the alert rules, and the rules' unit tests (each alert fires on the
// series it is for and not on look-alikes).
func TestPrometheusShippedConfigAndRulesPassPromtool(t *testing.T) {
	promtool := promtest.Binary(t, "promtool")
	for _, args := range [][]string{
		{"check", "config", repoPath(t, "deploy/prometheus/prometheus.yml")},
		{"check", "rules", repoPath(t, "deploy/prometheus/rules/ocimove-alerts.yml")},
		{"test", "rules", repoPath(t, "deploy/prometheus/tests/ocimove-alerts.test.yml")},
	} {
		out, err := exec.Command(promtool, args...).CombinedOutput()
		assert.NoError(t, err, "promtool %s:\n%s", strings.Join(args, " "), out)
	}
}

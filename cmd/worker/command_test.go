package main

import (
	"testing"

	"github.com/spf13/pflag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/temporalconn"
)

// TestWorkerTakesTheStartersConnectionFlags: the worker registers every
// Temporal connection flag of the shared setup (the starter's and the
// Temporal CLI's), and none of its own.
func TestWorkerTakesTheStartersConnectionFlags(t *testing.T) {
	worker := newCommand().Flags()
	var shared temporalconn.Flags
	fs := pflag.NewFlagSet("shared", pflag.ContinueOnError)
	shared.Register(fs)
	n := 0
	fs.VisitAll(func(f *pflag.Flag) {
		n++
		w := worker.Lookup(f.Name)
		if assert.NotNil(t, w, "the worker has no --%s", f.Name) {
			assert.Equal(t, f.Usage, w.Usage, "--%s", f.Name)
			assert.Equal(t, f.Value.Type(), w.Value.Type(), "--%s", f.Name)
		}
	})
	require.GreaterOrEqual(t, n, 13)
	for _, name := range []string{"tls", "profile", "config-file", "tls-disable-host-verification", "api-key", "codec-key-file"} {
		assert.NotNil(t, worker.Lookup(name), "--%s", name)
	}
	assert.Nil(t, worker.Lookup("api-key-env"), "the API key comes from TEMPORAL_API_KEY, as for the starter")
}

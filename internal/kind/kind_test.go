package kind_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ocimove/ocimove/internal/kind"
)

func TestRegistry(t *testing.T) {
	r := kind.NewRegistry[int]("test kind", "kind", "name")
	assert.Equal(t, "(none is linked into this program)", r.Choices())
	r.Register("s3", 1)
	assert.Equal(t, "s3", r.Choices())
	r.Register("oci", 2)
	r.Register("file", 3)
	assert.Equal(t, []string{"file", "oci", "s3"}, r.Names())
	assert.Equal(t, "file, oci or s3", r.Choices())
	v, ok := r.Lookup("oci")
	assert.True(t, ok)
	assert.Equal(t, 2, v)
	_, ok = r.Lookup("gcs")
	assert.False(t, ok)

	for _, bad := range []string{"s3", "kind", "name", "", "Upper", "with-dash", "9lives"} {
		assert.Panics(t, func() { r.Register(bad, 0) }, "%q", bad)
	}
}

type reporter struct{ fields, msgs []string }

func (r *reporter) Add(field, msg, _ string) {
	r.fields, r.msgs = append(r.fields, field), append(r.msgs, msg)
}
func (r *reporter) Addf(field, hint, format string, _ ...any) { r.Add(field, format, hint) }

func TestCheckEndpointNeverRepeatsTheURL(t *testing.T) {
	for _, ep := range []string{"ftp://h", "http://", "https://u:hunter2@h", "https://h/?token=hunter2", "http://h#frag", "::"} {
		var r reporter
		assert.Nil(t, kind.CheckEndpoint(&r, "endpoint", ep), ep)
		assert.Equal(t, []string{"endpoint"}, r.fields, ep)
		for _, m := range r.msgs {
			assert.NotContains(t, m, "hunter2")
		}
	}
	var r reporter
	u := kind.CheckEndpoint(&r, "endpoint", "http://127.0.0.1:9000")
	assert.NotNil(t, u)
	assert.Empty(t, r.fields)
	assert.Nil(t, kind.CheckEndpoint(&r, "endpoint", ""))
	assert.Empty(t, r.fields)
}

package wire_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ocimove/ocimove/internal/wire"
)

// A worker without a client or a task queue is refused with a message
// naming what is missing.
func TestNewWorkerNamesWhatIsMissing(t *testing.T) {
	_, err := wire.NewWorker(wire.Config{TaskQueue: "q"})
	assert.ErrorContains(t, err, "no Temporal client")
	_, err = wire.NewWorker(wire.Config{})
	assert.ErrorContains(t, err, "no Temporal client")
}

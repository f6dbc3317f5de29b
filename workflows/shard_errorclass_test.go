package workflows

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"

	"github.com/ocimove/ocimove/activities"
)

// TestErrorClass: a shard's error class is the workflow's own class when
// it made the error (also wrapped), the activity error's type when it is
// one of the known ones, and a fixed fallback otherwise: never free text.
func TestErrorClass(t *testing.T) {
	residency := temporal.NewNonRetryableApplicationError("write to eu-frankfurt-1 refused", activities.ErrTypeResidency, nil)
	for name, c := range map[string]struct {
		err  error
		want ErrorClass
	}{
		"nil":                    {nil, ""},
		"workflow class":         {classed(ClassMismatch, "%d objects still mismatch", 3), ClassMismatch},
		"wrapped workflow class": {fmt.Errorf("freeze: %w", classed(ClassDrain, "no drain acknowledgement")), ClassDrain},
		"empty class falls back": {classed("", "freeze ended"), ClassWorkflow},
		"known activity type":    {fmt.Errorf("copy batch 3: %w", residency), ErrorClass(activities.ErrTypeResidency)},
		"unknown activity type":  {temporal.NewApplicationError("users/01/secret-key.bin: odd", "SomethingElse"), ClassActivity},
		"timeout":                {temporal.NewTimeoutError(enumspb.TIMEOUT_TYPE_START_TO_CLOSE, nil), ClassTimeout},
		"plain error":            {errors.New("unknown state"), ClassWorkflow},
	} {
		assert.Equal(t, c.want, errorClass(c.err), name)
	}
}

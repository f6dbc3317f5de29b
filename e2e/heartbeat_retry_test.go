package e2e_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/ocimove/ocimove/activities"
	"github.com/ocimove/ocimove/internal/local/faults"
	"github.com/ocimove/ocimove/internal/store/ocistore"
)

// A delta round whose first attempt fails mid-way (one multipart object
// cannot be committed, after a first chunk of 500 objects is finished and
// while the objects after it are) is retried by the server, and the
// second attempt resumes from the first one's heartbeat: after its
// watermark, reusing the records finished in the chunk in flight (none of
// those objects is touched again), resuming the multipart upload by part
// (none of its parts is sent again), and leaving no upload open.
func TestHeartbeatRetryResumesAfterWatermark(t *testing.T) {
	r := newHBRig(t, []string{"r/"}, nil)
	for i := range 500 {
		r.put(t, r.src, fmt.Sprintf("r/a%04d", i), 200)
	}
	big := "r/b-big"
	r.put(t, r.src, big, int(2*ocistore.MinPartSize))
	for i := range 9 {
		r.put(t, r.src, fmt.Sprintf("r/c%02d", i), 300)
	}
	r.env.OCI.Faults().Set(faults.Rule{Op: "commit-multipart", KeyPrefix: big, Status: http.StatusServiceUnavailable})

	run := r.start(t, activities.DeltaRoundName, activities.DeltaInput{Shard: r.ref("r/"), Round: 1}, 10*time.Second,
		temporal.RetryPolicy{InitialInterval: 3 * time.Second, BackoffCoefficient: 1, MaximumAttempts: 3})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	// Wait for the first attempt to fail, and read its last heartbeat.
	var details map[string]any
	eventually(t, time.Minute, "the first attempt to fail", func() (bool, string) {
		d, err := r.c.DescribeWorkflowExecution(ctx, run.GetID(), run.GetRunID())
		if err != nil || len(d.PendingActivities) == 0 {
			return false, fmt.Sprint(err)
		}
		pa := d.PendingActivities[0]
		if pa.Attempt < 2 && pa.LastFailure == nil {
			return false, fmt.Sprintf("attempt %d", pa.Attempt)
		}
		details = map[string]any{}
		if hd := pa.HeartbeatDetails; hd != nil && len(hd.Payloads) > 0 {
			_ = converter.GetDefaultDataConverter().FromPayload(hd.Payloads[0], &details)
		}
		return true, ""
	})
	r.env.OCI.Faults().Clear()
	// Every object finished by the first attempt is now unreachable: a
	// retry that touches one of them fails, or is counted here.
	for _, prefix := range []string{"r/a", "r/c"} {
		for _, op := range []string{"head", "get", "put"} {
			r.env.OCI.Faults().Add(faults.Rule{Op: op, KeyPrefix: prefix, Status: http.StatusInternalServerError})
		}
		r.env.S3.Faults().Add(faults.Rule{Op: "get", KeyPrefix: prefix, Status: http.StatusInternalServerError})
		r.env.S3.Faults().Add(faults.Rule{Op: "head", KeyPrefix: prefix, Status: http.StatusInternalServerError})
	}
	fired := r.env.OCI.Faults().Fired("") + r.env.S3.Faults().Fired("")
	bytesBefore := r.env.OCIBytesIn()

	var res activities.DeltaResult
	assert.NoError(t, run.Get(ctx, &res), "the retry finishes the round")
	assert.Equal(t, "r/a0499", details["watermark"], "the first attempt heartbeated the end of its first chunk as its watermark")
	assert.Equal(t, fired, r.env.OCI.Faults().Fired("")+r.env.S3.Faults().Fired(""), "the retry touched an object the first attempt finished")
	assert.Less(t, r.env.OCIBytesIn()-bytesBefore, ocistore.MinPartSize, "the retry sent a part of the multipart object again")
	assert.EqualValues(t, 510, res.New)
	ups, err := r.dst.ListUploads(ctx, "")
	require.NoError(t, err)
	assert.Empty(t, ups, "no multipart upload is left open")
}

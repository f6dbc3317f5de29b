package localoci_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/objectstorage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/local/faults"
)

func TestInjectedFaultsReachTheClient(t *testing.T) {
	e := start(t, "")
	e.mustPut(t, "k", []byte("value"))

	e.srv.Faults().Set(faults.Rule{Op: "put", Status: http.StatusServiceUnavailable, Count: 1})
	_, err := e.put(t, "k2", []byte("x"), nil)
	requireServiceError(t, err, http.StatusServiceUnavailable, "ServiceUnavailable")
	assert.Equal(t, 1, e.srv.Faults().Fired("put"))
	_, err = e.put(t, "k2", []byte("x"), nil)
	require.NoError(t, err, "the rule fired its one time")

	e.srv.Faults().Set(faults.Rule{Op: "head", KeyPrefix: "k", Status: http.StatusTooManyRequests, Count: 1})
	_, err = e.head(t, "k")
	requireServiceError(t, err, http.StatusTooManyRequests, "")
	e.srv.Faults().Set(faults.Rule{Op: "list", Status: http.StatusInternalServerError, Count: 1})
	_, err = e.client.ListObjects(context.Background(), objectstorage.ListObjectsRequest{NamespaceName: &e.ns, BucketName: common.String(testBucket)})
	requireServiceError(t, err, http.StatusInternalServerError, "InternalServerError")

	// With the SDK's retries, two 503s then success.
	e.srv.Faults().Set(faults.Rule{Op: "get", Status: http.StatusServiceUnavailable, Count: 2})
	retry := common.NewRetryPolicy(4, common.DefaultShouldRetryOperation, func(common.OCIOperationResponse) time.Duration { return 10 * time.Millisecond })
	_, got, err := e.get(t, "k", func(r *objectstorage.GetObjectRequest) { r.RequestMetadata.RetryPolicy = &retry })
	require.NoError(t, err)
	assert.Equal(t, "value", string(got))
	assert.Equal(t, 2, e.srv.Faults().Fired("get"))

	// A flipped bit reaches the reader; the stored object is unchanged.
	e.srv.Faults().Set(faults.Rule{Op: "get", FlipBit: 1, Count: 1})
	_, got, err = e.get(t, "k", nil)
	require.NoError(t, err)
	assert.Equal(t, "walue", string(got))
	_, got, err = e.get(t, "k", nil)
	require.NoError(t, err)
	assert.Equal(t, "value", string(got))
}

func TestFaultRulesOverHTTPForMultipartOps(t *testing.T) {
	e := start(t, "")
	id := e.createUpload(t, "mp/obj", nil)
	req, err := http.NewRequest(http.MethodPut, e.base+faults.AdminPath,
		strings.NewReader(`[{"op":"upload-part","keyPrefix":"mp/","status":503,"count":1},{"op":"commit-multipart","status":500,"count":1}]`))
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusNoContent, resp.StatusCode)

	_, err = e.uploadPart("mp/obj", id, 1, []byte("p"), "")
	requireServiceError(t, err, http.StatusServiceUnavailable, "ServiceUnavailable")
	p, err := e.uploadPart("mp/obj", id, 1, []byte("p"), "")
	require.NoError(t, err)
	_, err = e.commit("mp/obj", id, map[int]string{1: *p.ETag}, nil)
	requireServiceError(t, err, http.StatusInternalServerError, "InternalServerError")
	_, err = e.commit("mp/obj", id, map[int]string{1: *p.ETag}, nil)
	require.NoError(t, err, "the upload survives a failed commit")
	assert.Equal(t, 1, e.srv.Faults().Fired("upload-part"))
	assert.Equal(t, 1, e.srv.Faults().Fired("commit-multipart"))
}

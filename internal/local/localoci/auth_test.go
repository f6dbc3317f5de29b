package localoci_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/objectstorage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/local/localoci"
)

func TestWrongKeyIsNotAuthenticated(t *testing.T) {
	e := start(t, "")
	other, err := localoci.WriteTestCredentials(t.TempDir(), testRegion)
	require.NoError(t, err)
	intruder := newClient(t, other, e.base)

	_, err = intruder.GetNamespace(context.Background(), objectstorage.GetNamespaceRequest{})
	requireServiceError(t, err, http.StatusUnauthorized, "NotAuthenticated")
	_, err = intruder.PutObject(context.Background(), objectstorage.PutObjectRequest{
		NamespaceName: &e.ns, BucketName: common.String(testBucket), ObjectName: common.String("x"),
		ContentLength: common.Int64(1), PutObjectBody: body([]byte("x")),
	})
	requireServiceError(t, err, http.StatusUnauthorized, "NotAuthenticated")
	_, err = e.head(t, "x")
	requireServiceError(t, err, http.StatusNotFound, "")

	// The rightful key id with another key's signature fails too.
	forged := newClient(t, other, e.base)
	forged.Signer = common.DefaultRequestSigner(keyProvider{id: e.creds.KeyID, ConfigurationProvider: mustProvider(t, other)})
	_, err = forged.GetNamespace(context.Background(), objectstorage.GetNamespaceRequest{})
	requireServiceError(t, err, http.StatusUnauthorized, "NotAuthenticated")
}

// keyProvider signs with one key under another key's id.
type keyProvider struct {
	common.ConfigurationProvider
	id string
}

func (k keyProvider) KeyID() (string, error) { return k.id, nil }

func mustProvider(t *testing.T, c localoci.Credentials) common.ConfigurationProvider {
	t.Helper()
	p, err := common.ConfigurationProviderFromFileWithProfile(c.ConfigPath, c.Profile, "")
	require.NoError(t, err)
	return p
}

func TestUnsignedAndSkewedRequests(t *testing.T) {
	e := start(t, "")
	resp, err := http.Get(e.base + "/n/")
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	var body struct{ Code, Message string }
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	assert.Equal(t, "NotAuthenticated", body.Code)
	assert.NotEmpty(t, resp.Header.Get("opc-request-id"))
	assert.Equal(t, testRegion, resp.Header.Get(localoci.RegionHeader))

	// A correctly signed request whose Date is ten minutes old.
	signer := common.DefaultRequestSigner(mustProvider(t, e.creds))
	send := func(date time.Time) *http.Response {
		req, err := http.NewRequest(http.MethodGet, e.base+"/n/", nil)
		require.NoError(t, err)
		req.Header.Set("Date", date.UTC().Format(http.TimeFormat))
		require.NoError(t, signer.Sign(req))
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp
	}
	assert.Equal(t, http.StatusOK, send(time.Now()).StatusCode, "the control: a fresh signature is accepted")
	assert.Equal(t, http.StatusUnauthorized, send(time.Now().Add(-10*time.Minute)).StatusCode)

	// A signed body that does not match its x-content-sha256.
	req, err := http.NewRequest(http.MethodPost, e.base+"/n/ocimove/b/", strings.NewReader(`{"name":"evil","compartmentId":"c"}`))
	require.NoError(t, err)
	req.Header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	req.Header.Set("Content-Type", "application/json")
	require.NoError(t, signer.Sign(req))
	req.Body = ioNopCloser(`{"name":"evil","compartmentId":"d"}`)
	resp2, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp2.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp2.StatusCode)
}

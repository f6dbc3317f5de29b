package activities_test

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/ocimove/ocimove/internal/testing/acttest"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/objectstorage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/activities"
	"github.com/ocimove/ocimove/internal/engine"
	"github.com/ocimove/ocimove/internal/store"
	"github.com/ocimove/ocimove/internal/store/ocistore"
	"github.com/ocimove/ocimove/internal/testing/testenv"
)

// withPrincipalDestination rebuilds the fixture's activities on a
// destination store whose credentials come from an in-memory provider,
// as an instance or resource principal's do: no OCI config file is
// involved.
func (f *fixture) withPrincipalDestination(t *testing.T) *ocistore.Store {
	t.Helper()
	file, err := common.ConfigurationProviderFromFile(f.env.OCICreds.ConfigPath, "")
	require.NoError(t, err)
	tenancy, err := file.TenancyOCID()
	require.NoError(t, err)
	user, err := file.UserOCID()
	require.NoError(t, err)
	fp, err := file.KeyFingerprint()
	require.NoError(t, err)
	key, err := file.PrivateRSAKey()
	require.NoError(t, err)
	keyPEM := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))
	principal := common.NewRawConfigurationProvider(tenancy, user, testenv.OCIRegion, fp, keyPEM, nil)

	dst, err := ocistore.New(context.Background(), ocistore.Config{Bucket: f.dst.Bucket(), Region: testenv.OCIRegion,
		Endpoint: f.env.OCIURL, Provider: principal, RetryBaseDelay: 5 * time.Millisecond, RetryMaxDelay: 50 * time.Millisecond})
	require.NoError(t, err)
	eng, err := engine.New(engine.Config{PartSize: 1 << 20, PoolBytes: 16 << 20, Concurrency: 4})
	require.NoError(t, err)
	plans := activities.NewPlanCache(nil)
	plans.Add(f.plan)
	f.acts, err = activities.New(activities.Config{
		Plans:   plans,
		Stores:  acttest.StaticStores{Source: f.src, Destination: dst, Manifest: dst},
		Routing: acttest.StaticRouting{Route: f.routes},
		Engine:  eng,
	})
	require.NoError(t, err)
	return dst
}

// TestAbortUploadsWithoutConfigFile: a cancel aborts the shard's open
// uploads at a destination whose credentials are not an OCI config file
// (instance or resource principal): the store itself lists its uploads.
func TestAbortUploadsWithoutConfigFile(t *testing.T) {
	f := newFixture(t)
	dst := f.withPrincipalDestination(t)
	ctx := context.Background()
	_, err := dst.CreateMultipart(ctx, "s/big", store.PutOptions{})
	require.NoError(t, err)
	_, err = dst.CreateMultipart(ctx, "other/big", store.PutOptions{})
	require.NoError(t, err)

	v, err := f.actEnv().ExecuteActivity(activities.AbortUploadsName, f.ref)
	require.NoError(t, err)
	var res activities.AbortUploadsResult
	require.NoError(t, v.Get(&res))
	assert.True(t, res.Supported, "the destination's uploads can be listed")
	assert.EqualValues(t, 1, res.Aborted)
	client, err := objectstorage.NewObjectStorageClientWithConfigurationProvider(
		common.CustomProfileConfigProvider(f.env.OCICreds.ConfigPath, f.env.OCICreds.Profile))
	require.NoError(t, err)
	client.Host = f.env.OCIURL
	left, err := client.ListMultipartUploads(ctx, objectstorage.ListMultipartUploadsRequest{
		NamespaceName: common.String(dst.Namespace()), BucketName: common.String(dst.Bucket())})
	require.NoError(t, err)
	require.Len(t, left.Items, 1, "the other shard's upload stays")
	assert.Equal(t, "other/big", *left.Items[0].Object)
}

// TestPreflightInspectsDestinationWithoutConfigFile: pre-flight reads the
// replication policies of a destination whose credentials are not an OCI
// config file, so that such a plan can start, and a replication out of
// the allowed regions is still refused.
func TestPreflightInspectsDestinationWithoutConfigFile(t *testing.T) {
	f := newFixture(t)
	f.withPrincipalDestination(t)
	f.seed(t, 2, 100)

	res := f.preflight(t)
	assert.Empty(t, res.Problems, "nothing keeps the plan from starting")

	client, err := objectstorage.NewObjectStorageClientWithConfigurationProvider(
		common.CustomProfileConfigProvider(f.env.OCICreds.ConfigPath, f.env.OCICreds.Profile))
	require.NoError(t, err)
	client.Host = f.env.OCIURL
	_, err = client.CreateReplicationPolicy(context.Background(), objectstorage.CreateReplicationPolicyRequest{
		NamespaceName: common.String(f.dst.Namespace()), BucketName: common.String(f.dst.Bucket()),
		CreateReplicationPolicyDetails: objectstorage.CreateReplicationPolicyDetails{
			Name: common.String("to-frankfurt"), DestinationRegionName: common.String("eu-frankfurt-1"), DestinationBucketName: common.String("copy")},
	})
	require.NoError(t, err)
	res = f.preflight(t)
	require.Len(t, res.Problems, 1, strings.Join(res.Problems, "\n"))
	assert.Contains(t, res.Problems[0], "replicates to region eu-frankfurt-1")
}

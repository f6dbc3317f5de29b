package localoci_test

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/objectstorage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func (e *env) list(t *testing.T, mod func(*objectstorage.ListObjectsRequest)) objectstorage.ListObjectsResponse {
	t.Helper()
	req := objectstorage.ListObjectsRequest{NamespaceName: &e.ns, BucketName: common.String(testBucket)}
	mod(&req)
	resp, err := e.client.ListObjects(context.Background(), req)
	require.NoError(t, err)
	return resp
}

func names(objs []objectstorage.ObjectSummary) []string {
	out := make([]string, 0, len(objs))
	for _, o := range objs {
		out = append(out, *o.Name)
	}
	return out
}

func TestListPaginationAndFields(t *testing.T) {
	e := start(t, "")
	var all []string
	for i := range 23 {
		n := fmt.Sprintf("users/%02x/obj-%03d", i%3, i)
		all = append(all, n)
		e.mustPut(t, n, []byte(n))
	}
	e.mustPut(t, "zz-outside", []byte("x"))
	e.mustPut(t, "users0", []byte("x")) // sorts after "users/" prefix entries but shares the "users" text
	sort.Strings(all)

	// Page with startAfter (exclusive), as the store resumes from a cursor.
	var got []string
	after := ""
	for pages := 0; ; pages++ {
		require.Less(t, pages, 10)
		resp := e.list(t, func(r *objectstorage.ListObjectsRequest) {
			r.Prefix = common.String("users/")
			r.Limit = common.Int(7)
			if after != "" {
				r.StartAfter = common.String(after)
			}
			r.Fields = common.String("name,size,etag,md5,timeCreated,timeModified,storageTier,archivalState")
		})
		for _, o := range resp.Objects {
			require.NotNil(t, o.Size)
			assert.Equal(t, int64(len(*o.Name)), *o.Size)
			assert.Equal(t, md5b64([]byte(*o.Name)), *o.Md5)
			assert.Regexp(t, uuidRE, *o.Etag)
			require.NotNil(t, o.TimeCreated)
			require.NotNil(t, o.TimeModified)
			assert.Equal(t, objectstorage.StorageTierStandard, o.StorageTier)
		}
		got = append(got, names(resp.Objects)...)
		if resp.NextStartWith == nil {
			break
		}
		assert.Len(t, resp.Objects, 7)
		after = got[len(got)-1]
		assert.Greater(t, *resp.NextStartWith, after)
	}
	assert.Equal(t, all, got)

	// Page with start = nextStartWith (inclusive).
	got = nil
	start := ""
	for pages := 0; ; pages++ {
		require.Less(t, pages, 10)
		resp := e.list(t, func(r *objectstorage.ListObjectsRequest) {
			r.Prefix = common.String("users/")
			r.Limit = common.Int(10)
			if start != "" {
				r.Start = common.String(start)
			}
		})
		for _, o := range resp.Objects {
			assert.Nil(t, o.Size, "only name is returned without fields")
			assert.Nil(t, o.Md5)
		}
		got = append(got, names(resp.Objects)...)
		if resp.NextStartWith == nil {
			break
		}
		start = *resp.NextStartWith
	}
	assert.Equal(t, all, got)

	// start is inclusive, end exclusive, startAfter exclusive.
	resp := e.list(t, func(r *objectstorage.ListObjectsRequest) {
		r.Start = common.String(all[3])
		r.End = common.String(all[6])
	})
	assert.Equal(t, all[3:6], names(resp.Objects))
	resp = e.list(t, func(r *objectstorage.ListObjectsRequest) {
		r.StartAfter = common.String(all[3])
		r.End = common.String(all[6])
	})
	assert.Equal(t, all[4:6], names(resp.Objects))

	// Delimiter gives the common prefixes.
	resp = e.list(t, func(r *objectstorage.ListObjectsRequest) {
		r.Prefix = common.String("users/")
		r.Delimiter = common.String("/")
	})
	assert.Empty(t, resp.Objects)
	assert.Equal(t, []string{"users/00/", "users/01/", "users/02/"}, resp.Prefixes)
	resp = e.list(t, func(r *objectstorage.ListObjectsRequest) { r.Delimiter = common.String("/") })
	assert.Equal(t, []string{"users/"}, resp.Prefixes)
	assert.Equal(t, []string{"users0", "zz-outside"}, names(resp.Objects))

	// Prefixes count toward the limit and paging continues after them.
	resp = e.list(t, func(r *objectstorage.ListObjectsRequest) {
		r.Prefix = common.String("users/")
		r.Delimiter = common.String("/")
		r.Limit = common.Int(2)
	})
	assert.Equal(t, []string{"users/00/", "users/01/"}, resp.Prefixes)
	require.NotNil(t, resp.NextStartWith)
	assert.Contains(t, *resp.NextStartWith, "users/02/")

	_, err := e.client.ListObjects(context.Background(), objectstorage.ListObjectsRequest{
		NamespaceName: &e.ns, BucketName: common.String(testBucket), Fields: common.String("name,colour"),
	})
	requireServiceError(t, err, http.StatusBadRequest, "InvalidParameter")
	_, err = e.client.ListObjects(context.Background(), objectstorage.ListObjectsRequest{
		NamespaceName: &e.ns, BucketName: common.String("missing"),
	})
	requireServiceError(t, err, http.StatusNotFound, "BucketNotFound")
}

func TestListMoreThanOnePageOfDefaultLimit(t *testing.T) {
	// Signing 1,000 requests is slow under -race, so this endpoint checks no
	// signatures and is seeded with plain HTTP PUTs; listing goes through the SDK.
	e := start(t, "", withoutAuth)
	const n, workers = 1003, 4
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				errs <- rawPut(e.base+"/n/ocimove/b/"+testBucket+"/o/"+fmt.Sprintf("k%05d", i), "x")
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	resp := e.list(t, func(r *objectstorage.ListObjectsRequest) {})
	assert.Len(t, resp.Objects, 1000, "the default limit is 1000")
	require.NotNil(t, resp.NextStartWith)
	assert.Equal(t, "k01000", *resp.NextStartWith)
	resp = e.list(t, func(r *objectstorage.ListObjectsRequest) { r.Start = resp.NextStartWith })
	assert.Equal(t, []string{"k01000", "k01001", "k01002"}, names(resp.Objects))
	assert.Nil(t, resp.NextStartWith)
}

// rawPut stores an object with a plain HTTP request.
func rawPut(url, data string) error {
	req, err := http.NewRequest(http.MethodPut, url, strings.NewReader(data))
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("PUT %s: %s", url, resp.Status)
	}
	return nil
}

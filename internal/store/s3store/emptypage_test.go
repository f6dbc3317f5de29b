package s3store_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/store"
	"github.com/ocimove/ocimove/internal/store/s3store"
)

// emptyPages answers the first n listings itself with an empty page that
// says more follow, carrying the continuation token of the local endpoint
// (its marker, base64url-encoded), as S3 may.
type emptyPages struct {
	next http.RoundTripper
	n    atomic.Int64
}

func (e *emptyPages) RoundTrip(r *http.Request) (*http.Response, error) {
	q := r.URL.Query()
	if r.Method != http.MethodGet || q.Get("list-type") != "2" || e.n.Add(-1) < 0 {
		return e.next.RoundTrip(r)
	}
	marker := q.Get("start-after")
	if tok := q.Get("continuation-token"); tok != "" {
		b, _ := base64.URLEncoding.DecodeString(tok)
		marker = string(b)
	}
	body := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>%s</Name><Prefix></Prefix><KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys><EncodingType>url</EncodingType><IsTruncated>true</IsTruncated><NextContinuationToken>%s</NextContinuationToken></ListBucketResult>`,
		bucket, base64.URLEncoding.EncodeToString([]byte(marker)))
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/xml"}, "Content-Length": {strconv.Itoa(len(body))}},
		Body: io.NopCloser(bytes.NewReader([]byte(body))), ContentLength: int64(len(body)), Request: r}, nil
}

// TestListFollowsEmptyTruncatedPages: the service answers with empty pages
// that say more follow; List follows their continuation tokens and returns
// the next objects, never an empty truncated page.
func TestListFollowsEmptyTruncatedPages(t *testing.T) {
	e := start(t, "us-east-1")
	for _, k := range []string{"p/a", "p/b", "p/c"} {
		put(t, e, k, "x", store.PutOptions{})
	}
	rt := &emptyPages{next: http.DefaultTransport}
	// A CA bundle from the environment cannot be added to a plain
	// *http.Client; the local endpoint is plain HTTP anyway.
	t.Setenv("AWS_CA_BUNDLE", "")
	st := e.store(t, s3store.Config{HTTPClient: &http.Client{Transport: rt}})
	rt.n.Store(3)
	page, err := st.List(e.ctx, store.ListOptions{Prefix: "p/", StartAfter: "p/a"})
	require.NoError(t, err)
	require.NotEmpty(t, page.Objects, "an empty truncated page is followed, not returned")
	assert.Equal(t, "p/b", page.Objects[0].Key)
	assert.Len(t, page.Objects, 2)
	assert.False(t, page.Truncated)
}

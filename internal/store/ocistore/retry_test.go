package ocistore_test

import (
	"bytes"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/local/faults"
	"github.com/ocimove/ocimove/internal/observe"
	"github.com/ocimove/ocimove/internal/store"
)

func faultRule(op string, status, count int) faults.Rule {
	return faults.Rule{Op: op, Status: status, Count: count}
}

// eventsOf returns the events of kind k.
func eventsOf(rec *observe.Recorder, k observe.Kind) []observe.Event {
	var out []observe.Event
	for _, ev := range rec.Events() {
		if ev.Kind == k {
			out = append(out, ev)
		}
	}
	return out
}

func TestPutRetriesOn503WithTheSameBytes(t *testing.T) {
	e := newEnv(t)
	c := ctx(t)
	for _, size := range []int{100, 2 << 20} { // under and over the SDK's in-memory copy limit
		e.srv.Faults().Add(faultRule("put", 503, 2))
		data := randomBytes(t, size)
		r := bytes.NewReader(data)
		before := len(eventsOf(e.rec, observe.Retry))
		_, err := e.st.Put(c, "retried", r, int64(size), store.PutOptions{ContentMD5: md5sum(data)})
		require.NoError(t, err)
		assertContent(t, e, "retried", data)

		retries := eventsOf(e.rec, observe.Retry)[before:]
		require.Len(t, retries, 2)
		for i, ev := range retries {
			assert.Equal(t, "put", ev.Op)
			assert.Equal(t, "retried", ev.Key)
			assert.Equal(t, 503, ev.Status)
			assert.Equal(t, i+1, ev.Attempt)
			assert.Equal(t, e.st.String(), ev.Store)
		}
	}
	assert.Zero(t, e.rec.Count(observe.Throttled), "503 is not throttling")
}

func TestThrottlingEmitsThrottledAndSucceeds(t *testing.T) {
	e := newEnv(t)
	c := ctx(t)
	_, err := e.st.Put(c, "t", bytes.NewReader([]byte("abc")), 3, store.PutOptions{})
	require.NoError(t, err)
	e.srv.Faults().Add(faultRule("get", 429, 3))
	rc, _, err := e.st.Get(c, "t", store.GetOptions{})
	require.NoError(t, err)
	got, err := io.ReadAll(rc)
	require.NoError(t, rc.Close())
	require.NoError(t, err)
	assert.Equal(t, []byte("abc"), got)
	assert.Equal(t, 3, e.rec.Count(observe.Retry))
	throttled := eventsOf(e.rec, observe.Throttled)
	require.Len(t, throttled, 3)
	assert.Equal(t, 429, throttled[0].Status)
	assert.Equal(t, "get", throttled[0].Op)
}

func TestRetriesOnEveryRetriedStatus(t *testing.T) {
	e := newEnv(t)
	c := ctx(t)
	for _, status := range []int{429, 500, 502, 503, 504} {
		e.srv.Faults().Add(faultRule("list", status, 1))
	}
	_, err := e.st.List(c, store.ListOptions{})
	require.NoError(t, err)
	assert.Equal(t, 5, e.rec.Count(observe.Retry))
	assert.Equal(t, 1, e.rec.Count(observe.Throttled))
}

func TestRetriesExhaustedIsRetryableError(t *testing.T) {
	e := newEnv(t)
	cfg := e.config()
	cfg.MaxAttempts = 3
	st := e.open(t, cfg)
	e.srv.Faults().Add(faults.Rule{Op: "head", Status: 500})
	_, err := st.Head(ctx(t), "x")
	require.Error(t, err)
	var se *store.Error
	require.ErrorAs(t, err, &se)
	assert.Equal(t, 500, se.Status)
	assert.Equal(t, store.Retryable, se.Class)
	assert.Equal(t, 2, e.rec.Count(observe.Retry), "three attempts are two retries")
	assert.Equal(t, 3, e.srv.Faults().Fired("head"))
}

func TestClientErrorsAreNotRetried(t *testing.T) {
	e := newEnv(t)
	c := ctx(t)
	for _, tc := range []struct {
		status int
		is     error
	}{
		{403, store.ErrPermission},
		{401, store.ErrPermission},
		{400, nil},
		{404, store.ErrNotFound},
		{409, nil},
		{501, nil},
	} {
		e.srv.Faults().Set(faultRule("head", tc.status, 1))
		_, err := e.st.Head(c, "anything")
		require.Error(t, err)
		if tc.is != nil {
			assert.ErrorIs(t, err, tc.is, "status %d", tc.status)
		}
		assert.Equal(t, store.Permanent, store.ClassOf(err), "status %d", tc.status)
	}
	assert.Zero(t, e.rec.Count(observe.Retry))
}

func TestNoRetriesWhenMaxAttemptsIsOne(t *testing.T) {
	e := newEnv(t)
	cfg := e.config()
	cfg.MaxAttempts = 1
	st := e.open(t, cfg)
	e.srv.Faults().Add(faultRule("put", 503, 1))
	_, err := st.Put(ctx(t), "once", bytes.NewReader([]byte("x")), 1, store.PutOptions{})
	require.Error(t, err)
	assert.True(t, store.IsRetryable(err))
	assert.Zero(t, e.rec.Count(observe.Retry))
}

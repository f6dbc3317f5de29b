package localoci

import (
	"bytes"
	"sync"
)

// memBackend keeps blobs and records in memory. It suits small tests.
type memBackend struct {
	mu    sync.Mutex
	blobs map[string][]byte
	recs  map[string]map[string][]byte
}

func newMemBackend() *memBackend {
	return &memBackend{blobs: map[string][]byte{}, recs: map[string]map[string][]byte{}}
}

type memBlobWriter struct {
	b   *memBackend
	buf bytes.Buffer
}

func (w *memBlobWriter) Write(p []byte) (int, error) { return w.buf.Write(p) }

func (w *memBlobWriter) commit() (string, error) {
	id := newID()
	w.b.mu.Lock()
	w.b.blobs[id] = w.buf.Bytes()
	w.b.mu.Unlock()
	return id, nil
}

func (w *memBlobWriter) abort() { w.buf = bytes.Buffer{} }

type memBlobReader struct{ *bytes.Reader }

func (memBlobReader) Close() error { return nil }

func (b *memBackend) newBlob() (blobWriter, error) { return &memBlobWriter{b: b}, nil }

func (b *memBackend) openBlob(id string) (blobReader, error) {
	b.mu.Lock()
	data, ok := b.blobs[id]
	b.mu.Unlock()
	if !ok {
		return nil, errNotExist
	}
	return memBlobReader{bytes.NewReader(data)}, nil
}

func (b *memBackend) removeBlob(id string) error {
	b.mu.Lock()
	delete(b.blobs, id)
	b.mu.Unlock()
	return nil
}

func (b *memBackend) putRecord(kind, key string, data []byte) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	m := b.recs[kind]
	if m == nil {
		m = map[string][]byte{}
		b.recs[kind] = m
	}
	m[key] = append([]byte(nil), data...)
	return nil
}

func (b *memBackend) deleteRecord(kind, key string) error {
	b.mu.Lock()
	delete(b.recs[kind], key)
	b.mu.Unlock()
	return nil
}

func (b *memBackend) records(kind string) ([][]byte, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([][]byte, 0, len(b.recs[kind]))
	for _, v := range b.recs[kind] {
		out = append(out, v)
	}
	return out, nil
}

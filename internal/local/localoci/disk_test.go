package localoci_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDiskModePersistsAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	e := start(t, dir)
	e.mustPut(t, "a/one", []byte("one"))
	big := bytes.Repeat([]byte("0123456789"), 100_000)
	e.mustPut(t, "a/big", big)
	id := e.createUpload(t, "open-upload", nil)
	_, err := e.uploadPart("open-upload", id, 1, []byte("part"), "")
	require.NoError(t, err)

	blobs, err := os.ReadDir(filepath.Join(dir, "blobs"))
	require.NoError(t, err)
	assert.Len(t, blobs, 3, "two objects and one part are stored as files")
	tmp, err := os.ReadDir(filepath.Join(dir, "tmp"))
	require.NoError(t, err)
	assert.Empty(t, tmp, "no temporary file is left behind")

	// Overwrites and deletes free the old bytes.
	e.mustPut(t, "a/one", []byte("uno"))
	blobs, err = os.ReadDir(filepath.Join(dir, "blobs"))
	require.NoError(t, err)
	assert.Len(t, blobs, 3)

	e.stop()
	e2 := startWith(t, e.creds, dir)
	_, got, err := e2.get(t, "a/one", nil)
	require.NoError(t, err)
	assert.Equal(t, "uno", string(got))
	_, got, err = e2.get(t, "a/big", nil)
	require.NoError(t, err)
	assert.Equal(t, big, got)
	parts := e2.listParts(t, "open-upload", id, 10, nil)
	require.Len(t, parts.Items, 1)
	resp, err := e2.commit("open-upload", id, map[int]string{1: *parts.Items[0].Etag}, nil)
	require.NoError(t, err)
	assert.Equal(t, multipartMD5([]byte("part")), *resp.OpcMultipartMd5)
}

func TestDiskModeRemovesOrphanBlobs(t *testing.T) {
	dir := t.TempDir()
	e := start(t, dir)
	e.mustPut(t, "kept", []byte("kept"))
	e.stop()
	orphan := filepath.Join(dir, "blobs", "orphan-from-a-crash")
	require.NoError(t, os.WriteFile(orphan, []byte("junk"), 0o644))
	e2 := startWith(t, e.creds, dir)
	_, err := os.Stat(orphan)
	assert.True(t, os.IsNotExist(err), "an unreferenced blob is removed at start")
	_, got, err := e2.get(t, "kept", nil)
	require.NoError(t, err)
	assert.Equal(t, "kept", string(got))
}

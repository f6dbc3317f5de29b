package filestore_test

import (
	"os"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/ocimove/ocimove/internal/store"
	"github.com/ocimove/ocimove/internal/store/filestore"
	"github.com/ocimove/ocimove/internal/testing/storetest"
)

// TestConformance runs the store conformance suite on directories. A
// directory the worker's user may not read stands for wrong credentials.
func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Harness{
		Name: "file",
		New: func(t *testing.T) store.Store {
			s, err := filestore.New(t.TempDir())
			require.NoError(t, err)
			return s
		},
		BadCredentials: func(t *testing.T) store.Store {
			root := t.TempDir()
			require.NoError(t, os.Chmod(root, 0))
			t.Cleanup(func() { _ = os.Chmod(root, 0o700) })
			withoutDACOverride(t)
			s, err := filestore.New(root)
			require.NoError(t, err)
			return s
		},
	})
}

// withoutDACOverride subjects the calling goroutine, until the test ends,
// to the file permission bits an unprivileged worker meets: a test run as
// root drops the capabilities that let it read and write any directory,
// for the thread the goroutine is locked to (the store's calls run on it).
func withoutDACOverride(t *testing.T) {
	t.Helper()
	const drop = 1<<unix.CAP_DAC_OVERRIDE | 1<<unix.CAP_DAC_READ_SEARCH
	runtime.LockOSThread()
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var caps [2]unix.CapUserData
	require.NoError(t, unix.Capget(&hdr, &caps[0]))
	if caps[0].Effective&drop == 0 {
		runtime.UnlockOSThread()
		return
	}
	saved := caps
	caps[0].Effective &^= drop
	require.NoError(t, unix.Capset(&hdr, &caps[0]))
	t.Cleanup(func() {
		restore := saved
		if unix.Capset(&hdr, &restore[0]) == nil {
			runtime.UnlockOSThread() // else the thread ends with the goroutine
		}
	})
}

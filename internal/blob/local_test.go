package blob

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLocal_PutGetDeleteRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := NewLocal(t.TempDir())
	obj, err := s.Put(ctx, "public/offerings/off_1/logo.png", "image/png", strings.NewReader("png bytes"))
	require.NoError(t, err)
	require.Equal(t, int64(9), obj.Size)
	require.Equal(t, "image/png", obj.ContentType)
	require.Len(t, obj.SHA256, 64)
	require.Equal(t, `"`+obj.SHA256+`"`, obj.ETag())

	r, got, err := s.Get(ctx, "public/offerings/off_1/logo.png")
	require.NoError(t, err)
	b, err := io.ReadAll(r)
	require.NoError(t, err)
	require.NoError(t, r.Close())
	require.Equal(t, "png bytes", string(b))
	require.Equal(t, obj.SHA256, got.SHA256)
	require.Equal(t, obj.Size, got.Size)

	require.NoError(t, s.Delete(ctx, "public/offerings/off_1/logo.png"))
	_, _, err = s.Get(ctx, "public/offerings/off_1/logo.png")
	require.ErrorIs(t, err, ErrNotFound)
	require.NoError(t, s.Delete(ctx, "public/offerings/off_1/logo.png"), "deleting a missing blob is not an error")
}

func TestLocal_ReaderSeeksWithinContentOnly(t *testing.T) {
	ctx := context.Background()
	s := NewLocal(t.TempDir())
	_, err := s.Put(ctx, "docs/a.txt", "text/plain", strings.NewReader("0123456789"))
	require.NoError(t, err)
	r, _, err := s.Get(ctx, "docs/a.txt")
	require.NoError(t, err)
	defer r.Close()
	rs, ok := r.(io.ReadSeeker)
	require.True(t, ok, "Local readers are seekable so HTTP can serve ranges")
	end, err := rs.Seek(0, io.SeekEnd)
	require.NoError(t, err)
	require.Equal(t, int64(10), end)
	_, err = rs.Seek(7, io.SeekStart)
	require.NoError(t, err)
	rest, _ := io.ReadAll(rs)
	require.Equal(t, "789", string(rest))
}

func TestLocal_OverwriteReplacesWholeBlob(t *testing.T) {
	ctx := context.Background()
	s := NewLocal(t.TempDir())
	_, err := s.Put(ctx, "k", "text/plain", strings.NewReader("a much longer first version"))
	require.NoError(t, err)
	_, err = s.Put(ctx, "k", "application/json", strings.NewReader("{}"))
	require.NoError(t, err)
	r, obj, err := s.Get(ctx, "k")
	require.NoError(t, err)
	defer r.Close()
	b, _ := io.ReadAll(r)
	require.Equal(t, "{}", string(b))
	require.Equal(t, "application/json", obj.ContentType)
}

func TestLocal_FailedPutKeepsPreviousBlobAndLeavesNoScratch(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := NewLocal(dir)
	_, err := s.Put(ctx, "k", "text/plain", strings.NewReader("old"))
	require.NoError(t, err)
	_, err = s.Put(ctx, "k", "text/plain", io.MultiReader(strings.NewReader("partial"), errReader{}))
	require.Error(t, err)
	r, _, err := s.Get(ctx, "k")
	require.NoError(t, err)
	b, _ := io.ReadAll(r)
	r.Close()
	require.Equal(t, "old", string(b))
	left, _ := os.ReadDir(filepath.Join(dir, "tmp"))
	require.Empty(t, left, "scratch files are removed")
}

func TestLocal_CanceledContextStopsPut(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := NewLocal(t.TempDir())
	_, err := s.Put(ctx, "k", "", strings.NewReader("x"))
	require.ErrorIs(t, err, context.Canceled)
	_, _, err = s.Get(context.Background(), "k")
	require.ErrorIs(t, err, ErrNotFound)
}

func TestLocal_InvalidKeysNeverTouchTheDisk(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := NewLocal(filepath.Join(dir, "root"))
	for _, k := range []string{"", "../escape", "a/../../b", "/abs", "a//b", "a/./b", "sp ace", "a\\b", "q?x", strings.Repeat("a", MaxKeyLength+1)} {
		_, err := s.Put(ctx, k, "text/plain", strings.NewReader("x"))
		require.ErrorIs(t, err, ErrInvalidKey, "key %q", k)
		_, _, err = s.Get(ctx, k)
		require.ErrorIs(t, err, ErrInvalidKey, "key %q", k)
		require.ErrorIs(t, s.Delete(ctx, k), ErrInvalidKey, "key %q", k)
	}
	_, err := os.Stat(filepath.Join(dir, "root"))
	require.True(t, os.IsNotExist(err))
	_, err = os.Stat(filepath.Join(dir, "escape"))
	require.True(t, os.IsNotExist(err))
}

func TestLocal_DirectoryOfKeysIsNotABlob(t *testing.T) {
	ctx := context.Background()
	s := NewLocal(t.TempDir())
	_, err := s.Put(ctx, "public/a/b.png", "image/png", strings.NewReader("x"))
	require.NoError(t, err)
	_, _, err = s.Get(ctx, "public/a")
	require.ErrorIs(t, err, ErrNotFound)
	require.NoError(t, s.Delete(ctx, "public/a"))
	_, _, err = s.Get(ctx, "public/a/b.png")
	require.NoError(t, err)
}

func TestLocal_StrayFileIsNotServed(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "objects"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "objects", "stray"), []byte("hello"), 0o644))
	_, _, err := NewLocal(dir).Get(context.Background(), "stray")
	require.Error(t, err)
	require.False(t, errors.Is(err, ErrNotFound))
}

func TestLocal_ConcurrentPutsLeaveOneConsistentBlob(t *testing.T) {
	ctx := context.Background()
	s := NewLocal(t.TempDir())
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.Put(ctx, "k", "text/plain", bytes.NewReader(bytes.Repeat([]byte{byte('a' + i)}, 64<<10)))
			require.NoError(t, err)
		}()
	}
	wg.Wait()
	r, obj, err := s.Get(ctx, "k")
	require.NoError(t, err)
	b, _ := io.ReadAll(r)
	r.Close()
	require.Len(t, b, 64<<10)
	require.Equal(t, bytes.Repeat(b[:1], 64<<10), b, "content comes from one Put")
	require.Equal(t, int64(64<<10), obj.Size)
}

func TestValidKey_PublicPrefix(t *testing.T) {
	require.True(t, IsPublic("public/offerings/x/logo.png"))
	require.False(t, IsPublic("orgs/x/doc.pdf"))
	require.False(t, IsPublic("public/../orgs/x"))
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

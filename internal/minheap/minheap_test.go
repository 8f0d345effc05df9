package minheap

import (
	"math/rand/v2"
	"slices"
	"testing"

	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

func TestHeapPopsInOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	h := New(func(a, b int) bool { return a < b })
	var want []int
	for range 1000 {
		x := rng.IntN(100) // duplicates on purpose
		h.Push(x)
		want = append(want, x)
	}
	slices.Sort(want)
	clone := h.Clone()
	var got []int
	for h.Len() > 0 {
		assert.Equal(t, h.Peek(), h.Items()[0])
		got = append(got, h.Pop())
	}
	assert.Check(t, is.DeepEqual(got, want))
	assert.Check(t, is.Equal(clone.Len(), 1000), "popping the original must not drain the clone")
}

func TestHeapPushAllocatesNothingOnceGrown(t *testing.T) {
	h := New(func(a, b int64) bool { return a < b })
	for i := range int64(64) {
		h.Push(i)
	}
	for h.Len() > 0 {
		h.Pop()
	}
	allocs := testing.AllocsPerRun(100, func() {
		for i := range int64(64) {
			h.Push(64 - i)
		}
		for h.Len() > 0 {
			h.Pop()
		}
	})
	assert.Equal(t, allocs, 0.0)
}

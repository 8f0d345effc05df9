package minheap

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"

	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

func TestHeapPopsInKeyThenTieOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var h Heap[string]
	type kt struct{ Key, Tie int64 }
	var want []kt
	for range 1000 {
		x := kt{rng.Int64N(50), rng.Int64N(50)} // equal keys on purpose
		h.Push(x.Key, x.Tie, "v")
		want = append(want, x)
	}
	slices.SortFunc(want, func(a, b kt) int { return cmp.Or(cmp.Compare(a.Key, b.Key), cmp.Compare(a.Tie, b.Tie)) })
	clone := h.Clone()
	var got []kt
	for h.Len() > 0 {
		peek := *h.Peek()
		it := h.Pop()
		assert.Equal(t, peek, it)
		got = append(got, kt{it.Key, it.Tie})
	}
	assert.Check(t, is.DeepEqual(got, want))
	assert.Check(t, is.Equal(clone.Len(), 1000), "popping the original must not drain the clone")
}

func TestHeapAllocatesNothingOnceGrown(t *testing.T) {
	var h Heap[*int]
	cycle := func() {
		for i := range int64(64) {
			h.Push(64-i, 0, nil)
		}
		for h.Len() > 0 {
			h.Pop()
		}
	}
	cycle()
	assert.Equal(t, testing.AllocsPerRun(100, cycle), 0.0)
}

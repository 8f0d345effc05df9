package minheap

import (
	"cmp"
	"math"
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

// TestQueueIsAHeap: pushes and pops interleaved, in order, nearly in order
// and far out of order, pop from a Queue what they pop from a Heap.
func TestQueueIsAHeap(t *testing.T) {
	for _, spread := range []int64{0, 3, 40, 5000} {
		rng := rand.New(rand.NewPCG(uint64(spread), 7))
		var h Heap[int64]
		var q Queue[int64]
		var clock int64
		for i := range int64(200_000) {
			if rng.IntN(3) > 0 || h.Len() == 0 {
				clock += rng.Int64N(10)
				key := clock
				if spread > 0 {
					key += rng.Int64N(spread)
				}
				h.Push(key, i, i)
				if i%2 == 0 || !q.TryPush(key, i, i) {
					q.Push(key, i, i)
				}
				assert.Equal(t, q.Next(), h.Peek().Key)
			} else if i%2 == 0 {
				want := h.Pop()
				assert.Equal(t, *q.Peek(), want)
				assert.Equal(t, q.Pop(), want)
			} else {
				to := h.Peek().Key + rng.Int64N(3) - 1
				for q.Next() <= to {
					it, ok := q.TryPop()
					if !ok {
						it = q.Pop()
					}
					assert.Equal(t, it, h.Pop())
				}
				if h.Len() > 0 {
					assert.Check(t, h.Peek().Key > to)
				}
			}
			assert.Equal(t, q.Len(), h.Len())
			if i == 100_000 {
				c := q.Clone()
				for hc := h.Clone(); hc.Len() > 0; {
					assert.Equal(t, c.Pop(), hc.Pop())
				}
				assert.Equal(t, c.Len(), 0)
			}
		}
		for h.Len() > 0 {
			assert.Equal(t, q.Next(), h.Peek().Key)
			assert.Equal(t, q.Pop(), h.Pop())
		}
		assert.Equal(t, q.Len(), 0)
		assert.Equal(t, q.Next(), int64(math.MaxInt64))
	}
}

func TestQueueAllocatesNothingOnceGrown(t *testing.T) {
	var q Queue[*int]
	cycle := func() {
		for i := range int64(3000) {
			q.Push(i+i%7*3, 0, nil) // in order, a few places out, and some far out
			if i%500 == 0 {
				q.Push(0, 0, nil)
			}
			if i%2 == 1 {
				q.Pop()
			}
		}
		for q.Len() > 0 {
			q.Pop()
		}
	}
	cycle()
	assert.Equal(t, testing.AllocsPerRun(100, cycle), 0.0)
}

// TestQueueMemoryFollowsItemsHeld: a queue never empty, pushed and popped
// for ever, holds memory for the items it holds, not those it was given.
func TestQueueMemoryFollowsItemsHeld(t *testing.T) {
	var q Queue[*int]
	for i := range int64(1_000_000) {
		if !q.TryPush(i, 0, nil) {
			q.Push(i, 0, nil)
		}
		if i >= 100 {
			if _, ok := q.TryPop(); !ok {
				q.Pop()
			}
		}
		if i%1000 == 999 {
			q.Push(i-50, 0, nil) // out of order, to the heap beside
			q.Pop()
		}
	}
	assert.Equal(t, q.Len(), 100)
	assert.Check(t, cap(q.run) <= 4*compactAt, "cap %d", cap(q.run))
}

// Package minheap provides a binary min-heap of values ordered by two int64
// keys. Unlike container/heap it neither boxes values in interfaces nor calls
// a comparison function, so it allocates nothing once grown and its
// comparisons inline: it suits per-call hot paths.
package minheap

import "math"

// Item is one value in a heap, ordered by Key, then by Tie.
type Item[V any] struct {
	Key, Tie int64
	Value    V
}

func (a *Item[V]) less(b *Item[V]) bool {
	return a.Key < b.Key || (a.Key == b.Key && a.Tie < b.Tie)
}

// Heap is a min-heap of items. The zero value is an empty heap.
type Heap[V any] struct {
	items []Item[V]
}

// Len is the number of items held.
func (h *Heap[V]) Len() int { return len(h.items) }

// Peek returns the smallest item; the heap must not be empty.
func (h *Heap[V]) Peek() *Item[V] { return &h.items[0] }

// Clone returns an independent copy.
func (h *Heap[V]) Clone() Heap[V] { return Heap[V]{items: append([]Item[V](nil), h.items...)} }

// Push adds value v with keys key and tie.
func (h *Heap[V]) Push(key, tie int64, v V) {
	h.items = append(h.items, Item[V]{Key: key, Tie: tie, Value: v})
	items := h.items
	for i := len(items) - 1; i > 0; {
		parent := (i - 1) / 2
		if !items[i].less(&items[parent]) {
			break
		}
		items[i], items[parent] = items[parent], items[i]
		i = parent
	}
}

// Pop removes and returns the smallest item; the heap must not be empty.
func (h *Heap[V]) Pop() Item[V] {
	items := h.items
	top := items[0]
	last := len(items) - 1
	items[0] = items[last]
	items[last] = Item[V]{} // drop references held by the value
	items = items[:last]
	h.items = items
	for i := 0; ; {
		l, r, smallest := 2*i+1, 2*i+2, i
		if l < last && items[l].less(&items[smallest]) {
			smallest = l
		}
		if r < last && items[r].less(&items[smallest]) {
			smallest = r
		}
		if smallest == i {
			return top
		}
		items[i], items[smallest] = items[smallest], items[i]
		i = smallest
	}
}

// Queue is a priority queue ordered as Heap orders its items, for items
// pushed mostly in order (calls' arrivals, their ends, their answers): an
// item at or after the last one pushed, or a few places before it, joins
// a sorted run in O(1); one further out of order goes to a heap beside
// it. So a queue whose pushes come in order costs a few instructions per
// item, and one whose pushes do not costs what a Heap costs. Next, the
// smallest key, is a field read, so a loop that pops while it is due
// inlines its test. The zero value is an empty queue.
type Queue[V any] struct {
	run  []Item[V] // sorted, from head on
	head int
	rest Heap[V] // items pushed too far out of order
	n    int     // items held
	min  int64   // the smallest item's Key, while n > 0
	last int64   // the sorted run's last item's Key, while it has one
}

// maxShift is how many places back from the end of the sorted run an item
// may join it.
const maxShift = 8

// compactAt is how many popped places the sorted run may start with before
// it is moved down: memory follows the items held, not the items pushed.
const compactAt = 1024

// Len is the number of items held.
func (q *Queue[V]) Len() int { return q.n }

// Next is the smallest item's Key, or math.MaxInt64 when the queue is
// empty.
func (q *Queue[V]) Next() int64 {
	if q.n == 0 {
		return math.MaxInt64
	}
	return q.min
}

// Push adds value v with keys key and tie.
func (q *Queue[V]) Push(key, tie int64, v V) {
	if q.n == 0 || key < q.min {
		q.min = key
	}
	q.n++
	it := Item[V]{Key: key, Tie: tie, Value: v}
	n := len(q.run)
	if n == q.head || !it.less(&q.run[n-1]) {
		q.run = append(q.run, it)
		q.last = key
		return
	}
	lo := max(q.head, n-maxShift)
	i := n - 1
	for i > lo && it.less(&q.run[i-1]) {
		i--
	}
	if i > q.head && it.less(&q.run[i-1]) {
		q.rest.Push(key, tie, v)
		return
	}
	q.run = append(q.run, q.run[n-1])
	for j := n - 1; j > i; j-- {
		q.run[j] = q.run[j-1] // a few places: no copy call
	}
	q.run[i] = it
}

// Peek returns the smallest item; the queue must not be empty.
func (q *Queue[V]) Peek() *Item[V] {
	if q.fromRun() {
		return &q.run[q.head]
	}
	return q.rest.Peek()
}

// fromRun reports whether the smallest item is the sorted run's first;
// the queue must not be empty.
func (q *Queue[V]) fromRun() bool {
	return q.head < len(q.run) && (len(q.rest.items) == 0 || q.run[q.head].less(&q.rest.items[0]))
}

// Pop removes and returns the smallest item; the queue must not be empty.
func (q *Queue[V]) Pop() Item[V] {
	var it Item[V]
	if q.fromRun() {
		it = q.run[q.head]
		q.run[q.head] = Item[V]{} // drop references held by the value
		q.head++
		switch {
		case q.head == len(q.run):
			q.run, q.head = q.run[:0], 0
		case q.head >= compactAt && 2*q.head >= len(q.run):
			n := copy(q.run, q.run[q.head:])
			clear(q.run[n:])
			q.run, q.head = q.run[:n], 0
		}
	} else {
		it = q.rest.Pop()
	}
	q.n--
	switch {
	case q.n == 0:
	case q.head < len(q.run) && (len(q.rest.items) == 0 || q.run[q.head].Key <= q.rest.items[0].Key):
		q.min = q.run[q.head].Key
	default:
		q.min = q.rest.items[0].Key
	}
	return it
}

// Clone returns an independent copy.
func (q *Queue[V]) Clone() Queue[V] {
	return Queue[V]{run: append([]Item[V](nil), q.run[q.head:]...), rest: q.rest.Clone(), n: q.n, min: q.min, last: q.last}
}

// TryPush adds value v with keys key and tie if it can do so by appending
// it to the sorted run (its key is above the last pushed, and the run has
// room), and reports whether it did. It is small enough to inline, so a
// hot loop pushes with
//
//	if !q.TryPush(key, tie, v) {
//		q.Push(key, tie, v)
//	}
//
// and pays for a call only when the item is out of order or the run full.
func (q *Queue[V]) TryPush(key, tie int64, v V) bool {
	n := len(q.run)
	if n == cap(q.run) || n > q.head && q.last >= key {
		return false
	}
	if q.n == 0 || key < q.min {
		q.min = key
	}
	q.n++
	q.run = q.run[:n+1]
	q.run[n] = Item[V]{Key: key, Tie: tie, Value: v}
	q.last = key
	return true
}

// TryPop removes and returns the smallest item if it is the sorted run's
// first and the run holds another (so nothing else is to do), and reports
// whether it did; Pop takes any item. It is small enough to inline.
func (q *Queue[V]) TryPop() (it Item[V], ok bool) {
	h := q.head
	if len(q.rest.items) > 0 || h+1 >= len(q.run) || h >= compactAt {
		return it, false
	}
	it = q.run[h]
	q.run[h] = Item[V]{} // drop references held by the value
	q.head = h + 1
	q.n--
	q.min = q.run[h+1].Key
	return it, true
}

// Package minheap provides a binary min-heap of values ordered by two int64
// keys. Unlike container/heap it neither boxes values in interfaces nor calls
// a comparison function, so it allocates nothing once grown and its
// comparisons inline: it suits per-call hot paths.
package minheap

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

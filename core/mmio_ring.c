/* Draining KVM's coalesced MMIO ring. KVM writes an entry, then advances
 * last; vmmd reads the entry, serves it, then advances first (KVM reads
 * first to know the room left). An empty ring costs two loads and no lock,
 * which keeps it off the cost of every exit. */
#include "mmio_ring.h"

#include <linux/kvm.h>

void
mmio_ring_init(struct mmio_ring *ring, const struct forward_map *map)
{
	ring->ring = NULL;
	ring->entries = 0;
	ring->map = map;
	pthread_mutex_init(&ring->lock, NULL);
	atomic_init(&ring->served, 0);
	atomic_init(&ring->refused, 0);
}

/* kvm_ring: the page kvm_coalesced_ring() found, of page_size bytes. */
void
mmio_ring_attach(struct mmio_ring *ring,
    struct kvm_coalesced_mmio_ring *kvm_ring, size_t page_size)
{
	if (kvm_ring == NULL || page_size <= sizeof(*kvm_ring) +
	    sizeof(struct kvm_coalesced_mmio))
		return;
	ring->entries = (uint32_t)((page_size - sizeof(*kvm_ring)) /
	    sizeof(struct kvm_coalesced_mmio));
	ring->ring = kvm_ring;
}

void
mmio_ring_destroy(struct mmio_ring *ring)
{
	ring->ring = NULL;
	pthread_mutex_destroy(&ring->lock);
}

static void
serve(struct mmio_ring *ring, struct kvm_coalesced_mmio *write)
{
	const struct forward_map *map = ring->map;
	const struct forward_entry *entry;
	struct mmio_access access;
	int i;

	i = write->pio ? -1 : forward_map_lookup(map, FORWARD_MMIO,
	    write->phys_addr);
	entry = i < 0 ? NULL : &map->entries[i];
	if (entry == NULL || entry->action != FORWARD_DEVICE ||
	    write->len == 0 || write->len > sizeof(write->data) ||
	    write->phys_addr - entry->base > entry->size - write->len) {
		atomic_fetch_add(&ring->refused, 1);
		return;
	}
	access = (struct mmio_access){
		.offset = write->phys_addr - entry->base, .data = write->data,
		.length = write->len, .is_write = true,
	};
	if (entry->mmio(entry->context, &access) < 0)
		atomic_fetch_add(&ring->refused, 1);
	else
		atomic_fetch_add(&ring->served, 1);
}

static uint32_t
load(const uint32_t *index)
{
	return __atomic_load_n(index, __ATOMIC_ACQUIRE);
}

/* Serves every write queued so far, in order; returns how many. */
unsigned int
mmio_ring_drain(struct mmio_ring *ring)
{
	struct kvm_coalesced_mmio_ring *k = ring->ring;
	struct kvm_coalesced_mmio write;
	unsigned int count = 0;
	uint32_t first;

	if (k == NULL || load(&k->first) == load(&k->last))
		return 0;
	pthread_mutex_lock(&ring->lock);
	while ((first = load(&k->first)) != load(&k->last) &&
	    first < ring->entries) {
		write = k->coalesced_mmio[first];
		serve(ring, &write);
		__atomic_store_n(&k->first, (first + 1) % ring->entries,
		    __ATOMIC_RELEASE);
		count++;
	}
	pthread_mutex_unlock(&ring->lock);
	return count;
}

/*
 * local.h — the in-process bus: every event loop of one heraldd joins it as a node.
 *
 * Local delivery is a broadcast: every published message is posted to every node, in one
 * global order (publishes are serialised by one mutex), and each node's sink filters with
 * an O(1) lookup in its own registry. Interest (subscribe/unsubscribe) is validated but not
 * tracked: with a handful of loops per process, a broadcast costs one small delivery per
 * loop per message, less than keeping a shared interest table consistent under a lock.
 */
#ifndef HD_BUS_LOCAL_H
#define HD_BUS_LOCAL_H

#include "bus/bus.h"

/* Create an in-process bus; free with hd_bus_destroy() after every node has left. */
hd_bus_t *hd_bus_local_create(void);

#endif

/* wire.c: packing an answer into bytes and back (see wire.h). */
#include "wire.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

void cy__mpi_nap(void) {
  struct timespec ts = {0, CY_MPI_NAP_NS};
  nanosleep(&ts, NULL);
}

/* Bytes of one event-log record on the wire: its columns, no padding. */
static size_t record_bytes(void) {
  size_t n = 0;
  for (size_t c = 0; c < CY_LOG_FIELD_COUNT; c++)
    n += cy_elem_size(cy_log_fields[c].type);
  return n;
}

/* Bytes of every outcome field of o (its log aside). */
static size_t fields_bytes(const cy_outcome *o) {
  size_t n = 0;
  for (size_t i = 0; i < CY_OUTCOME_FIELD_COUNT; i++)
    if (cy_outcome_values(o, i))
      n += cy_outcome_count(o, cy_outcome_fields[i].shape) *
           cy_elem_size(cy_outcome_fields[i].type);
  return n;
}

static unsigned char *put_fields(unsigned char *p, const cy_outcome *o) {
  for (size_t i = 0; i < CY_OUTCOME_FIELD_COUNT; i++) {
    const void *v = cy_outcome_values(o, i);
    size_t n = v ? cy_outcome_count(o, cy_outcome_fields[i].shape) *
                       cy_elem_size(cy_outcome_fields[i].type)
                 : 0;
    memcpy(p, v, n);
    p += n;
  }
  for (size_t q = 0; q < o->log_len; q++)
    for (size_t c = 0; c < CY_LOG_FIELD_COUNT; c++) {
      size_t n = cy_elem_size(cy_log_fields[c].type);
      memcpy(p, (const char *)&o->log[q] + cy_log_fields[c].offset, n);
      p += n;
    }
  return p;
}

int cy__wire_pack_msg(uint64_t point, uint64_t rep, int status, const char *msg,
                      unsigned char **buf, size_t *len) {
  cy_wire_head h = {.point = point, .rep = rep, .status = status};
  h.msg_len = msg ? strlen(msg) : 0;
  *len = sizeof h + h.msg_len;
  unsigned char *p = *buf = malloc(*len);
  if (!p)
    return CY_ENOMEM;
  memcpy(p, &h, sizeof h);
  if (h.msg_len)
    memcpy(p + sizeof h, msg, h.msg_len);
  return CY_OK;
}

int cy__wire_pack(size_t point, size_t rep, int status, const cy_outcome *o,
                  const char *msg, unsigned char **buf, size_t *len) {
  if (status != CY_OK)
    return cy__wire_pack_msg(point, rep, status, msg, buf, len);
  cy_wire_head h = {
      .point = point, .rep = rep, .status = CY_OK, .log_len = o->log_len};
  *len = sizeof h + fields_bytes(o) + o->log_len * record_bytes();
  unsigned char *p = *buf = malloc(*len);
  if (!p)
    return CY_ENOMEM;
  memcpy(p, &h, sizeof h);
  put_fields(p + sizeof h, o);
  return CY_OK;
}

/* The message after the head (msg_len bytes) into err->msg. */
static int get_msg(const unsigned char *p, size_t len, const cy_wire_head *h,
                   cy_error *err) {
  if (h->msg_len != len)
    return cy_error_set(err, CY_EINPUT, "a message of %zu bytes, not %llu", len,
                        (unsigned long long)h->msg_len);
  size_t n = len < CY_ERROR_MSG_MAX ? len : CY_ERROR_MSG_MAX - 1;
  memcpy(err->msg, p, n);
  err->msg[n] = '\0';
  return CY_OK;
}

int cy__wire_unpack_hello(const unsigned char *buf, size_t len, int *status,
                          uint64_t *fingerprint, cy_error *err) {
  cy_wire_head h;
  if (len < sizeof h)
    return cy_error_set(err, CY_EINPUT, "a hello of %zu bytes", len);
  memcpy(&h, buf, sizeof h);
  *status = (int)h.status;
  *fingerprint = h.point;
  err->code = *status;
  return get_msg(buf + sizeof h, len - sizeof h, &h, err);
}

/* The fields and log of an answer (CY_OK status) into o. */
static int get_fields(const unsigned char *p, size_t len, uint64_t log_len,
                      cy_outcome *o, cy_error *err) {
  size_t fields = fields_bytes(o), rec = record_bytes();
  if (len < fields || (len - fields) / rec != log_len ||
      (len - fields) % rec != 0)
    return cy_error_set(err, CY_EINPUT,
                        "an answer of %zu bytes, not %zu + %llu event records "
                        "(another scenario on that rank?)",
                        len, fields, (unsigned long long)log_len);
  for (size_t i = 0; i < CY_OUTCOME_FIELD_COUNT; i++) {
    void *v = cy_outcome_values_mut(o, i);
    size_t n = v ? cy_outcome_count(o, cy_outcome_fields[i].shape) *
                       cy_elem_size(cy_outcome_fields[i].type)
                 : 0;
    memcpy(v, p, n);
    p += n;
  }
  for (uint64_t q = 0; q < log_len; q++) {
    cy_log_record r;
    memset(&r, 0, sizeof r);
    for (size_t c = 0; c < CY_LOG_FIELD_COUNT; c++) {
      size_t n = cy_elem_size(cy_log_fields[c].type);
      memcpy((char *)&r + cy_log_fields[c].offset, p, n);
      p += n;
    }
    if (cy_outcome_log(o, &r) != CY_OK)
      return cy_error_set(err, CY_ENOMEM, "out of memory");
  }
  return CY_OK;
}

int cy__wire_unpack(const unsigned char *buf, size_t len, cy_remote_answer *a,
                    cy_outcome *o, cy_error *err) {
  cy_wire_head h;
  if (len < sizeof h)
    return cy_error_set(err, CY_EINPUT, "an answer of %zu bytes", len);
  memcpy(&h, buf, sizeof h);
  a->point = (size_t)h.point;
  a->rep = (size_t)h.rep;
  a->status = (int)h.status;
  len -= sizeof h;
  buf += sizeof h;
  if (h.status == CY_OK)
    return get_fields(buf, len, h.log_len, o, err);
  err->code = a->status;
  return get_msg(buf, len, &h, err);
}

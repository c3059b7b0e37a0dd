#ifndef PARLEY_CGMIME_SHIM_H
#define PARLEY_CGMIME_SHIM_H
// GMime's GObject type-check and cast macros are not imported by Swift: wrap them.
#include <gmime/gmime.h>

static inline gboolean parley_is_multipart(GMimeObject *o) { return GMIME_IS_MULTIPART(o); }
static inline gboolean parley_is_message_part(GMimeObject *o) { return GMIME_IS_MESSAGE_PART(o); }
static inline gboolean parley_is_part(GMimeObject *o) { return GMIME_IS_PART(o); }
static inline gboolean parley_is_text_part(GMimeObject *o) { return GMIME_IS_TEXT_PART(o); }
static inline GMimeMultipart *parley_as_multipart(GMimeObject *o) { return GMIME_MULTIPART(o); }
static inline GMimeMessagePart *parley_as_message_part(GMimeObject *o) { return GMIME_MESSAGE_PART(o); }
static inline GMimePart *parley_as_part(GMimeObject *o) { return GMIME_PART(o); }
static inline GMimeTextPart *parley_as_text_part(GMimeObject *o) { return GMIME_TEXT_PART(o); }
static inline GMimeObject *parley_message_as_object(GMimeMessage *m) { return GMIME_OBJECT(m); }
static inline GMimeObject *parley_part_as_object(GMimePart *p) { return GMIME_OBJECT(p); }
static inline GMimeObject *parley_multipart_as_object(GMimeMultipart *p) { return GMIME_OBJECT(p); }
static inline GMimeObject *parley_text_part_as_object(GMimeTextPart *p) { return GMIME_OBJECT(p); }
static inline GMimeStream *parley_stream_mem_as_stream(GMimeStream *s) { return s; }
static inline GMimeStreamMem *parley_as_stream_mem(GMimeStream *s) { return GMIME_STREAM_MEM(s); }
static inline gboolean parley_is_mailbox(InternetAddress *a) { return INTERNET_ADDRESS_IS_MAILBOX(a); }
static inline gboolean parley_is_group(InternetAddress *a) { return INTERNET_ADDRESS_IS_GROUP(a); }
static inline InternetAddressMailbox *parley_as_mailbox(InternetAddress *a) { return INTERNET_ADDRESS_MAILBOX(a); }
static inline InternetAddressGroup *parley_as_group(InternetAddress *a) { return INTERNET_ADDRESS_GROUP(a); }
static inline void parley_object_unref(void *o) { if (o) g_object_unref(o); }
static inline gboolean parley_is_stream_mem(GMimeStream *s) { return GMIME_IS_STREAM_MEM(s); }

#endif

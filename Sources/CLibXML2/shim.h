// C shim for libxml2: the HTML parser and tree API (ParleyMail's HTML-to-text converter),
// the XML parser and URI resolution (ParleyFeed's feed reader).
// Only what Swift cannot call directly lives here (macros, variadics).
#ifndef PARLEY_CLIBXML2_SHIM_H
#define PARLEY_CLIBXML2_SHIM_H

#include <libxml/xmlversion.h>
// Debian builds libxml2 with ICU, so <libxml/encoding.h> would pull in the system's
// <unicode/ucnv.h>, whose declarations clash with the ICU copy that Foundation ships
// ("'UErrorCode' has different definitions in different modules"). Swift code never uses
// the ICU parts (only the trailing fields of xmlCharEncodingHandler, which it never
// touches, depend on this), so hide them.
#undef LIBXML_ICU_ENABLED

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <libxml/parser.h>
#include <libxml/xmlmemory.h>
#include <libxml/uri.h>
#include <libxml/xmlerror.h>

/// `xmlFree` is a macro (thread-local allocator) when LIBXML_THREAD_ALLOC_ENABLED is set.
static inline void parley_xml_free(void *ptr) {
    if (ptr != NULL) {
        xmlFree(ptr);
    }
}

#endif

// The build's version string.
#include "sentlens/util/version.h"

namespace sentlens {

const char* version() {
  return SENTLENS_VERSION;
}

}  // namespace sentlens

// The whole public API of sentlens.
#pragma once

#include "sentlens/error.h"
#include "sentlens/io/dtype.h"
#include "sentlens/io/safetensors.h"
#include "sentlens/log.h"
#include "sentlens/model/attention_recorder.h"
#include "sentlens/model/config.h"
#include "sentlens/model/forward_job.h"
#include "sentlens/model/generate.h"
#include "sentlens/model/hooks.h"
#include "sentlens/model/kv_cache.h"
#include "sentlens/model/model.h"
#include "sentlens/model/tensor_io.h"
#include "sentlens/tokenizer/tokenizer.h"
#include "sentlens/tokenizer/utf8.h"
#include "sentlens/util/parse_lists.h"

// ACT's head search on stories260K: every candidate scored exactly as calibrate_text scores it,
// the heads kept are those that help alone, and the greedy set only ever lowers the NLL.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "sentlens/capture/act_head_search.h"
#include "sentlens/error.h"
#include "sentlens/model/model.h"
#include "sentlens/tokenizer/tokenizer.h"
#include "test_support.h"

namespace sentlens {
namespace {

using ::sentlens::testing::shared_dir;

TEST(ActHeadSearch, ScoresEveryCandidateAndKeepsWhatHelps) {
  SENTLENS_REQUIRE_SHARED_FILE("models/stories260K/config.json");
  const Model model = Model::load(shared_dir() / "models/stories260K");
  const auto tokenizer = load_tokenizer(shared_dir() / "models/stories260K");
  std::string text;
  for (int i = 0; i < 3; ++i) {
    text += "Once upon a time there was a little girl named Lily. She loved to play in the park. ";
    text +=
        "One day she saw a big red ball under a tree. She ran to get it, but a bird flew down. ";
  }
  const std::vector<std::int64_t> ids = tokenizer->encode(text, EncodeOptions{true}).ids();
  ActSearchOptions options;
  options.layers = {1, 2, 3};
  options.heads = {0, 1, 2, 3};
  std::int64_t last_done = 0, total = 0;
  options.on_progress = [&](const ActSearchProgress& state) {
    EXPECT_EQ(state.done, last_done + 1);
    last_done = state.done;
    total = state.total;
  };
  const ActSearchResult result = search_act_heads(model, {ids}, options);
  EXPECT_EQ(last_done, total) << "the progress reaches its total";
  EXPECT_EQ(result.predicted_tokens, static_cast<std::int64_t>(ids.size()) - 1);
  ASSERT_EQ(result.candidates.size(), 12u);
  EXPECT_EQ(result.candidates[0].head, (HeadRef{1, 0}));
  EXPECT_EQ(result.candidates[11].head, (HeadRef{3, 3}));

  // Each candidate is scored as `sentlens calibrate --heads L:H` scores it.
  ActOptions one;
  one.heads = {result.candidates[5].head};
  const CalibrationReport alone = calibrate_text(model, ids, one);
  EXPECT_NEAR(result.nll_plain, alone.nll_plain, 1e-12);
  EXPECT_NEAR(result.candidates[5].nll, alone.nll_calibrated, 1e-12);
  EXPECT_NEAR(result.candidates[5].gain, alone.nll_plain - alone.nll_calibrated, 1e-12);

  // Kept: exactly the heads that lower the NLL alone, best first.
  std::size_t helping = 0;
  for (const ActHeadGain& c : result.candidates) helping += c.gain > 0 ? 1 : 0;
  ASSERT_EQ(result.improving.size(), helping);
  ASSERT_GT(helping, 1u) << "this text has heads worth calibrating";
  for (std::size_t i = 1; i < result.improving.size(); ++i)
    EXPECT_GE(result.improving[i - 1].gain, result.improving[i].gain);

  // Greedy: starts from the best head and never raises the NLL; the set is what it says.
  ASSERT_FALSE(result.selected.empty());
  EXPECT_EQ(result.selected.front(), result.improving.front().head);
  EXPECT_LE(result.nll_selected, result.improving.front().nll);
  ActOptions chosen;
  chosen.heads = result.selected;
  EXPECT_NEAR(calibrate_text(model, ids, chosen).nll_calibrated, result.nll_selected, 1e-12);

  // Without the greedy pass the selection is every head that helps alone (ACT's rule).
  options.greedy = false;
  options.on_progress = nullptr;
  const ActSearchResult all = search_act_heads(model, {ids}, options);
  ASSERT_EQ(all.selected.size(), helping);
  for (std::size_t i = 0; i < helping; ++i) EXPECT_EQ(all.selected[i], result.improving[i].head);
  // A gain threshold above every gain keeps nothing.
  options.min_gain = 1e9;
  const ActSearchResult none = search_act_heads(model, {ids}, options);
  EXPECT_TRUE(none.selected.empty());
  EXPECT_EQ(none.nll_selected, none.nll_plain);
}

TEST(ActHeadSearch, BadInputsNameTheProblem) {
  SENTLENS_REQUIRE_SHARED_FILE("models/stories260K/config.json");
  const Model model = Model::load(shared_dir() / "models/stories260K");
  ActSearchOptions options;
  testing::expect_error<InputError>([&] { (void)(search_act_heads(model, {}, options)); });
  testing::expect_error<InputError>([&] { (void)(search_act_heads(model, {{1}}, options)); });
  options.layers = {5};
  EXPECT_EQ(testing::error_of<InputError>([&] {
              search_act_heads(model, {{1, 2, 3}}, options);
            }),
            "search layer 5 is outside the model (0 .. 4)");
}

}  // namespace
}  // namespace sentlens

// The activation table against values computed by hand (Python's math module, float64) from
// the definitions in transformers/activations.py, tails included: far from 0 the tanh
// approximations differ from the exact (erf) gelu by up to ~4e-4, more than a golden tolerance.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <vector>

#include <torch/torch.h>

#include "model/layer_math.h"
#include "sentlens/model/activation.h"

namespace sentlens {
namespace {

const std::vector<double> kInputs = {-6, -3, -1, 0, 0.5, 2, 7, 12};

// name -> f(kInputs), in float64.
const std::map<std::string, std::vector<double>> kExpected = {
    {"silu",
     {-0.014835738939808645, -0.14227761953270035, -0.2689414213699951, 0, 0.3112296656009273,
      1.7615941559557646, 6.9936226416391953, 11.999926269904773}},
    {"swish",
     {-0.014835738939808645, -0.14227761953270035, -0.2689414213699951, 0, 0.3112296656009273,
      1.7615941559557646, 6.9936226416391953, 11.999926269904773}},
    {"gelu",
     {-5.9195258694799691e-09, -0.0040496940948903104, -0.15865525393145707, 0, 0.34573123063700656,
      1.9544997361036416, 6.9999999999910409, 12}},
    {"gelu_python",
     {-5.9195258694799691e-09, -0.0040496940948903104, -0.15865525393145707, 0, 0.34573123063700656,
      1.9544997361036416, 6.9999999999910409, 12}},
    {"gelu_new",
     {-8.43964897967453e-11, -0.0036373920817729943, -0.15880800939172324, 0, 0.34571400982514394,
      1.954597694087775, 6.9999999999999973, 12}},
    {"gelu_accurate",
     {-8.43964897967453e-11, -0.0036373920817729943, -0.15880800939172324, 0, 0.34571400982514394,
      1.954597694087775, 6.9999999999999973, 12}},
    {"gelu_pytorch_tanh",
     {-8.43964897967453e-11, -0.0036373920817729943, -0.15880800939172324, 0, 0.34571400982514394,
      1.954597694087775, 6.9999999999999973, 12}},
    {"gelu_fast",
     {-8.43964897967453e-11, -0.0036373920818605909, -0.1588080093925231, 0, 0.34571400982483486,
      1.9545976940871754, 6.9999999999999973, 12}},
    {"gelu_10",
     {-5.9195258694799691e-09, -0.0040496940948903104, -0.15865525393145707, 0, 0.34573123063700656,
      1.9544997361036416, 6.9999999999910409, 10}},
    {"quick_gelu",
     {-0.00022035354978739243, -0.018071309707785969, -0.1542042340671787, 0, 0.35038843660638014,
      1.9356586231442083, 6.9999531283033178, 11.999999983813582}},
    {"relu", {0, 0, 0, 0, 0.5, 2, 7, 12}},
    {"relu2", {0, 0, 0, 0, 0.25, 4, 49, 144}},
    {"relu6", {0, 0, 0, 0, 0.5, 2, 6, 6}},
    {"leaky_relu", {-0.059999999999999998, -0.029999999999999999, -0.01, 0, 0.5, 2, 7, 12}},
    {"mish",
     {-0.014854080479424995, -0.14564746127562461, -0.30340146137410895, 0, 0.37524521130489508,
      1.9439589595339946, 6.9999883798097411, 11.99999999909398}},
    {"sigmoid",
     {0.0024726231566347743, 0.047425873177566781, 0.2689414213699951, 0.5, 0.62245933120185459,
      0.88079707797788231, 0.9990889488055994, 0.99999385582539779}},
    {"tanh",
     {-0.99998771165079559, -0.99505475368673046, -0.76159415595576485, 0, 0.46211715726000974,
      0.9640275800758169, 0.99999833694394469, 0.99999999992449728}},
    {"linear", {-6, -3, -1, 0, 0.5, 2, 7, 12}},
    {"laplace",
     {0, 0, 7.1737260576298922e-10, 0.0060944596179355881, 0.23142114841057387, 0.99999771024506479,
      1, 1}},
};

TEST(Activation, EveryNameOfTheTableMatchesItsDefinitionOnHandValues) {
  const auto x = torch::tensor(kInputs, torch::kFloat64);
  for (const auto& [name, expected] : kExpected) {
    SCOPED_TRACE(name);
    const auto activation = activation_from_name(name);
    ASSERT_TRUE(activation.has_value());
    const auto y = activate(*activation, x.clone(), /*in_place=*/false);
    for (std::size_t i = 0; i < kInputs.size(); ++i) {
      EXPECT_NEAR(y[static_cast<std::int64_t>(i)].item<double>(), expected[i],
                  1e-12 + 1e-12 * std::abs(expected[i]))
          << "x = " << kInputs[i];
    }
  }
}

TEST(Activation, InPlaceGivesTheSameValuesAsOutOfPlace) {
  const auto x = torch::linspace(-8, 8, 101, torch::kFloat32);
  for (const auto& [name, expected] : kExpected) {
    SCOPED_TRACE(name);
    const auto activation = *activation_from_name(name);
    const auto copy = x.clone();
    EXPECT_TRUE(activate(activation, x, false).equal(activate(activation, copy, true)));
  }
}

TEST(Activation, TanhApproximationsDifferFromExactGeluInTheTail) {
  const auto x = torch::tensor({-3.0}, torch::kFloat64);
  const double exact = activate(Activation::kGelu, x, false).item<double>();
  const double tanh_form = activate(Activation::kGeluPytorchTanh, x, false).item<double>();
  EXPECT_GT(std::abs(exact - tanh_form), 4e-4);
}

TEST(Activation, NamesRoundTripAndUnknownNamesAreRefused) {
  for (const auto& [name, expected] : kExpected) {
    const auto activation = activation_from_name(name);
    ASSERT_TRUE(activation.has_value()) << name;
    EXPECT_EQ(activation_from_name(activation_name(*activation)), activation) << name;
  }
  EXPECT_FALSE(activation_from_name("prelu").has_value());
  EXPECT_FALSE(activation_from_name("SiLU").has_value());
  EXPECT_NE(supported_activation_names().find("gelu_pytorch_tanh"), std::string::npos);
}

}  // namespace
}  // namespace sentlens

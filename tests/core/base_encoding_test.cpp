#include <fata/core/base_encoding.hpp>

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace {

using namespace fata;

std::string encode(base_encoding e, std::string_view data) {
  std::string out = encoded(e, bytes::of(data));
  EXPECT_EQ(out.size(), encoded_size(e, data.size()));
  return out;
}

result<std::string, decode_error> decode(base_encoding e, std::vector<std::string_view> pieces,
                                         std::size_t room = 64) {
  std::string out(room, '\0');
  base_decoder decoder(e, mut_bytes(out.data(), out.size()));
  for (std::string_view piece : pieces) {
    if (auto fed = decoder.feed(piece); !fed) return unexpected(fed.error());
  }
  auto size = decoder.finish();
  if (!size) return unexpected(size.error());
  out.resize(*size);
  return out;
}

// RFC 4648 §10.
const std::vector<std::string_view> vector_inputs = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};

TEST(base_encoding, base64_matches_rfc4648_vectors) {
  const std::vector<std::string_view> expected = {"",         "Zg==",     "Zm8=",    "Zm9v",
                                                  "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  for (std::size_t i = 0; i < vector_inputs.size(); ++i) {
    EXPECT_EQ(encode(base_encoding::base64, vector_inputs[i]), expected[i]);
    EXPECT_EQ(decode(base_encoding::base64, {expected[i]}).value(), vector_inputs[i]);
  }
}

TEST(base_encoding, base32hex_matches_rfc4648_vectors_with_or_without_padding) {
  const std::vector<std::string_view> padded = {"",         "CO======", "CPNG====",        "CPNMU===",
                                                "CPNMUOG=", "CPNMUOJ1", "CPNMUOJ1E8======"};
  const std::vector<std::string_view> unpadded = {"", "CO", "CPNG", "CPNMU", "CPNMUOG", "CPNMUOJ1",
                                                  "CPNMUOJ1E8"};
  for (std::size_t i = 0; i < vector_inputs.size(); ++i) {
    EXPECT_EQ(encode(base_encoding::base32hex, vector_inputs[i]), unpadded[i]);
    EXPECT_EQ(decode(base_encoding::base32hex, {padded[i]}).value(), vector_inputs[i]);
    EXPECT_EQ(decode(base_encoding::base32hex, {unpadded[i]}).value(), vector_inputs[i]);
  }
}

TEST(base_encoding, hex_and_base32hex_ignore_case_and_print_upper_case) {
  EXPECT_EQ(encode(base_encoding::hex, "\x01\xab\xff"), "01ABFF");
  EXPECT_EQ(decode(base_encoding::hex, {"01abFF"}).value(), "\x01\xab\xff");
  EXPECT_EQ(decode(base_encoding::base32hex, {"cpnmuoj1"}).value(), "fooba");
  // Base64 is case-sensitive: "zg==" is not "Zg==".
  EXPECT_NE(decode(base_encoding::base64, {"Zm8="}).value(), decode(base_encoding::base64, {"zm8="}).value());
}

TEST(base_encoding, base64url_uses_its_own_alphabet_unpadded) {
  EXPECT_EQ(encode(base_encoding::base64url, "\xfb\xff"), "-_8");
  EXPECT_EQ(encode(base_encoding::base64, "\xfb\xff"), "+/8=");
  EXPECT_EQ(decode(base_encoding::base64url, {"-_8"}).value(), "\xfb\xff");
  EXPECT_EQ(decode(base_encoding::base64url, {"+/8"}).error(), decode_error::bad_character);
  EXPECT_EQ(decode(base_encoding::base64, {"-_8="}).error(), decode_error::bad_character);
}

// What dig prints for data NSD sent (the NSEC3 next hashed owner and the
// start of a DNSKEY), decoded to the octets on the wire.
TEST(base_encoding, decodes_what_dig_prints_for_dnssec_records) {
  const std::string next_hashed("\x17\x4e\xb2\x40\x9f\xe2\x8b\xcb\x48\x87\xa1\x83\x6f\x95\x7f\x0a\x84\x25\xe2\x7b", 20);
  EXPECT_EQ(decode(base_encoding::base32hex, {"2T7B4G4VSA5SMI47K61MV5BV1A22BOJR"}).value(), next_hashed);
  EXPECT_EQ(encode(base_encoding::base32hex, next_hashed), "2T7B4G4VSA5SMI47K61MV5BV1A22BOJR");
  EXPECT_EQ(decode(base_encoding::base64, {"mdsswUyr3DM="}).value(), "\x99\xdb\x2c\xc1\x4c\xab\xdc\x33");
}

TEST(base_encoding, a_value_split_over_pieces_decodes_as_one) {
  EXPECT_EQ(decode(base_encoding::base64, {"Zm", "9vY", "mFy"}).value(), "foobar");
  EXPECT_EQ(decode(base_encoding::hex, {"0", "1A", "b"}).value(), "\x01\xab");
  EXPECT_EQ(decode(base_encoding::base64, {"Zg", "=", "="}).value(), "f");
}

TEST(base_encoding, refuses_every_malformed_text_with_its_reason) {
  EXPECT_EQ(decode(base_encoding::hex, {"0g"}).error(), decode_error::bad_character);
  EXPECT_EQ(decode(base_encoding::hex, {"012"}).error(), decode_error::leftover_bits);
  EXPECT_EQ(decode(base_encoding::hex, {"00="}).error(), decode_error::bad_character);
  EXPECT_EQ(decode(base_encoding::base64, {"Zg= ="}).error(), decode_error::after_padding);
  EXPECT_EQ(decode(base_encoding::base64, {"Zg=a"}).error(), decode_error::after_padding);
  EXPECT_EQ(decode(base_encoding::base64, {"Zg="}).error(), decode_error::bad_padding);
  EXPECT_EQ(decode(base_encoding::base64, {"Zm8=="}).error(), decode_error::bad_padding);
  EXPECT_EQ(decode(base_encoding::base64, {"Zm9v===="}).error(), decode_error::bad_padding);
  EXPECT_EQ(decode(base_encoding::base64, {"===="}).error(), decode_error::bad_padding);
  // One symbol alone holds no whole octet; "Zh==" sets bits beyond "f".
  EXPECT_EQ(decode(base_encoding::base64, {"Z"}).error(), decode_error::leftover_bits);
  EXPECT_EQ(decode(base_encoding::base64, {"Zh=="}).error(), decode_error::leftover_bits);
  EXPECT_EQ(decode(base_encoding::base32hex, {"CPN"}).error(), decode_error::leftover_bits);
  EXPECT_EQ(decode(base_encoding::base32hex, {"CPNW"}).error(), decode_error::bad_character);
  EXPECT_EQ(decode(base_encoding::base64, {"Zm9vYmFy"}, 5).error(), decode_error::no_space);
  EXPECT_EQ(decode(base_encoding::base64, {"Zm9vYmFy"}, 6).value(), "foobar");
}

TEST(base_encoding, every_octet_string_round_trips_in_every_encoding) {
  std::string data;
  for (int i = 0; i < 40; ++i) {
    for (base_encoding e : {base_encoding::hex, base_encoding::base32hex, base_encoding::base64,
                            base_encoding::base64url}) {
      EXPECT_EQ(decode(e, {encode(e, data)}).value(), data) << int(e) << " " << i;
    }
    data.push_back(static_cast<char>(i * 37 + 11));
  }
}

}  // namespace

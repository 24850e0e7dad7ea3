// The image's name for usage messages (hosted shows argv[0]'s basename):
// fata::entry compiles this file into each image with FATA_PROGRAM_NAME set
// from the image target's OUTPUT_NAME, or its target name.
extern "C" const char* const fata_program_name = FATA_PROGRAM_NAME;

// The V1 result comes only through the callback: LivePerson's emulator prints nothing here.
async function lambda(input, callback) {
  return "returned, not called back";
}

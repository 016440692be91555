#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/hmac.h>

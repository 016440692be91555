/// The OpenAPI 3.1 description of the HTTP API, served at `/openapi.json` and checked against
/// the running server by schemathesis in scripts/test.sh.
enum OpenAPIDocument {
    static let json = #"""
{
 "openapi": "3.1.0",
 "info": {
  "title": "Tessera",
  "version": "1.0.0",
  "description": "JWT authentication service: OAuth 2.0 token endpoint (password, refresh_token, client_credentials), revocation (RFC 7009), introspection (RFC 7662), verification for gateways, sessions and user administration."
 },
 "servers": [
  {
   "url": "/"
  }
 ],
 "components": {
  "securitySchemes": {
   "bearer": {
    "type": "http",
    "scheme": "bearer",
    "bearerFormat": "JWT"
   },
   "client": {
    "type": "http",
    "scheme": "basic"
   },
   "session": {
    "type": "apiKey",
    "in": "cookie",
    "name": "__Host-tessera_session"
   }
  },
  "schemas": {
   "Problem": {
    "type": "object",
    "required": [
     "type",
     "title",
     "status"
    ],
    "properties": {
     "type": {
      "type": "string"
     },
     "title": {
      "type": "string"
     },
     "status": {
      "type": "integer"
     },
     "detail": {
      "type": "string"
     },
     "field": {
      "type": "string"
     }
    }
   },
   "OAuthError": {
    "type": "object",
    "required": [
     "error"
    ],
    "properties": {
     "error": {
      "type": "string"
     },
     "error_description": {
      "type": "string"
     }
    }
   },
   "TokenResponse": {
    "type": "object",
    "required": [
     "access_token",
     "token_type",
     "expires_in"
    ],
    "properties": {
     "access_token": {
      "type": "string"
     },
     "token_type": {
      "type": "string",
      "enum": [
       "Bearer"
      ]
     },
     "expires_in": {
      "type": "integer"
     },
     "refresh_token": {
      "type": "string"
     },
     "scope": {
      "type": "string"
     }
    }
   },
   "Introspection": {
    "type": "object",
    "required": [
     "active"
    ],
    "properties": {
     "active": {
      "type": "boolean"
     }
    },
    "additionalProperties": true
   },
   "Claims": {
    "type": "object",
    "additionalProperties": true
   },
   "User": {
    "type": "object",
    "required": [
     "id",
     "username",
     "status",
     "created_at",
     "updated_at"
    ],
    "properties": {
     "id": {
      "type": "string"
     },
     "username": {
      "type": "string"
     },
     "status": {
      "type": "string",
      "enum": [
       "active",
       "disabled"
      ]
     },
     "created_at": {
      "type": "integer"
     },
     "updated_at": {
      "type": "integer"
     }
    }
   },
   "UserList": {
    "type": "object",
    "required": [
     "users"
    ],
    "properties": {
     "users": {
      "type": "array",
      "items": {
       "$ref": "#/components/schemas/User"
      }
     },
     "next_after": {
      "type": "string"
     }
    }
   }
  },
  "responses": {
   "OAuthError": {
    "description": "RFC 6749 §5.2 error",
    "content": {
     "application/json": {
      "schema": {
       "$ref": "#/components/schemas/OAuthError"
      }
     }
    }
   },
   "TooManyRequests": {
    "description": "rate limited or throttled; see Retry-After",
    "headers": {
     "Retry-After": {
      "schema": {
       "type": "string"
      }
     }
    },
    "content": {
     "application/problem+json": {
      "schema": {
       "$ref": "#/components/schemas/Problem"
      }
     },
     "application/json": {
      "schema": {
       "$ref": "#/components/schemas/OAuthError"
      }
     }
    }
   },
   "Unavailable": {
    "description": "store unreachable or hashing queue full; see Retry-After",
    "headers": {
     "Retry-After": {
      "schema": {
       "type": "string"
      }
     }
    },
    "content": {
     "application/problem+json": {
      "schema": {
       "$ref": "#/components/schemas/Problem"
      }
     }
    }
   },
   "Unauthorized": {
    "description": "missing, invalid, expired or revoked access token (RFC 6750 §3)",
    "headers": {
     "WWW-Authenticate": {
      "schema": {
       "type": "string"
      }
     }
    },
    "content": {
     "application/json": {
      "schema": {
       "$ref": "#/components/schemas/OAuthError"
      }
     },
     "application/problem+json": {
      "schema": {
       "$ref": "#/components/schemas/Problem"
      }
     }
    }
   },
   "InvalidField": {
    "description": "invalid field",
    "content": {
     "application/problem+json": {
      "schema": {
       "$ref": "#/components/schemas/Problem"
      }
     }
    }
   },
   "Forbidden": {
    "description": "insufficient_scope, or a cookie-authenticated change from a foreign origin",
    "content": {
     "application/json": {
      "schema": {
       "$ref": "#/components/schemas/OAuthError"
      }
     },
     "application/problem+json": {
      "schema": {
       "$ref": "#/components/schemas/Problem"
      }
     }
    }
   },
   "UserNotFound": {
    "description": "no such user",
    "content": {
     "application/problem+json": {
      "schema": {
       "$ref": "#/components/schemas/Problem"
      }
     }
    }
   },
   "UsernameTaken": {
    "description": "username taken",
    "content": {
     "application/problem+json": {
      "schema": {
       "$ref": "#/components/schemas/Problem"
      }
     }
    }
   },
   "UserUpdated": {
    "description": "updated",
    "content": {
     "application/json": {
      "schema": {
       "$ref": "#/components/schemas/User"
      }
     }
    }
   }
  },
  "requestBodies": {
   "UserUpdate": {
    "required": true,
    "content": {
     "application/json": {
      "schema": {
       "type": "object",
       "properties": {
        "username": {
         "type": "string"
        },
        "password": {
         "type": "string"
        },
        "status": {
         "type": "string",
         "enum": [
          "active",
          "disabled"
         ]
        }
       }
      }
     }
    }
   }
  }
 },
 "paths": {
  "/oauth/token": {
   "post": {
    "summary": "Token endpoint (RFC 6749 §3.2)",
    "security": [
     {},
     {
      "client": []
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/x-www-form-urlencoded": {
       "schema": {
        "type": "object",
        "properties": {
         "grant_type": {
          "type": "string",
          "enum": [
           "password",
           "refresh_token",
           "client_credentials"
          ]
         },
         "username": {
          "type": "string"
         },
         "password": {
          "type": "string"
         },
         "refresh_token": {
          "type": "string"
         },
         "scope": {
          "type": "string"
         },
         "client_id": {
          "type": "string"
         },
         "client_secret": {
          "type": "string"
         }
        },
        "required": [
         "grant_type"
        ]
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "tokens (RFC 6749 §5.1)",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/TokenResponse"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/OAuthError"
     },
     "401": {
      "$ref": "#/components/responses/OAuthError"
     },
     "429": {
      "$ref": "#/components/responses/TooManyRequests"
     },
     "503": {
      "$ref": "#/components/responses/Unavailable"
     }
    }
   }
  },
  "/oauth/revoke": {
   "post": {
    "summary": "Revocation (RFC 7009)",
    "security": [
     {},
     {
      "client": []
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/x-www-form-urlencoded": {
       "schema": {
        "type": "object",
        "properties": {
         "token": {
          "type": "string"
         },
         "token_type_hint": {
          "type": "string"
         },
         "client_id": {
          "type": "string"
         },
         "client_secret": {
          "type": "string"
         }
        },
        "required": [
         "token"
        ]
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "revoked, or unknown"
     },
     "400": {
      "$ref": "#/components/responses/OAuthError"
     },
     "401": {
      "$ref": "#/components/responses/OAuthError"
     },
     "429": {
      "$ref": "#/components/responses/TooManyRequests"
     },
     "503": {
      "$ref": "#/components/responses/Unavailable"
     }
    }
   }
  },
  "/oauth/introspect": {
   "post": {
    "summary": "Introspection (RFC 7662); confidential clients only",
    "security": [
     {
      "client": []
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/x-www-form-urlencoded": {
       "schema": {
        "type": "object",
        "properties": {
         "token": {
          "type": "string"
         },
         "token_type_hint": {
          "type": "string"
         },
         "client_id": {
          "type": "string"
         },
         "client_secret": {
          "type": "string"
         }
        },
        "required": [
         "token"
        ]
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "token state",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Introspection"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/OAuthError"
     },
     "401": {
      "$ref": "#/components/responses/OAuthError"
     },
     "429": {
      "$ref": "#/components/responses/TooManyRequests"
     },
     "503": {
      "$ref": "#/components/responses/Unavailable"
     }
    }
   }
  },
  "/v1/verify": {
   "get": {
    "summary": "Verify a bearer token (nginx auth_request, forwardAuth, ext_authz)",
    "security": [
     {
      "bearer": []
     }
    ],
    "responses": {
     "200": {
      "description": "valid; claims, and X-Tessera-Subject/-Scope/-Client headers",
      "headers": {
       "X-Tessera-Subject": {
        "schema": {
         "type": "string"
        }
       },
       "X-Tessera-Scope": {
        "schema": {
         "type": "string"
        }
       },
       "X-Tessera-Client": {
        "schema": {
         "type": "string"
        }
       }
      },
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Claims"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     }
    }
   }
  },
  "/v1/login": {
   "post": {
    "summary": "Log in with username and password; optionally start a cookie session",
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "type": "object",
        "required": [
         "username",
         "password"
        ],
        "properties": {
         "username": {
          "type": "string"
         },
         "password": {
          "type": "string"
         },
         "client_id": {
          "type": "string"
         },
         "scope": {
          "type": "string"
         },
         "session": {
          "type": "boolean"
         }
        }
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "tokens",
      "headers": {
       "Set-Cookie": {
        "schema": {
         "type": "string"
        }
       }
      },
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/TokenResponse"
        }
       }
      }
     },
     "400": {
      "description": "request not allowed for this client",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "401": {
      "description": "invalid username or password",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "422": {
      "$ref": "#/components/responses/InvalidField"
     },
     "429": {
      "$ref": "#/components/responses/TooManyRequests"
     },
     "503": {
      "$ref": "#/components/responses/Unavailable"
     }
    }
   }
  },
  "/v1/logout": {
   "post": {
    "summary": "End the current session",
    "security": [
     {
      "bearer": []
     },
     {
      "session": []
     }
    ],
    "responses": {
     "204": {
      "description": "logged out"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "description": "session gone",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "429": {
      "$ref": "#/components/responses/TooManyRequests"
     },
     "503": {
      "$ref": "#/components/responses/Unavailable"
     }
    }
   }
  },
  "/v1/logout/all": {
   "post": {
    "summary": "End every session of the current user",
    "security": [
     {
      "bearer": []
     },
     {
      "session": []
     }
    ],
    "responses": {
     "204": {
      "description": "logged out everywhere"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "429": {
      "$ref": "#/components/responses/TooManyRequests"
     },
     "503": {
      "$ref": "#/components/responses/Unavailable"
     }
    }
   }
  },
  "/v1/me": {
   "get": {
    "summary": "The current user",
    "security": [
     {
      "bearer": []
     },
     {
      "session": []
     }
    ],
    "responses": {
     "200": {
      "description": "the user",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/User"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "503": {
      "$ref": "#/components/responses/Unavailable"
     }
    }
   }
  },
  "/v1/users": {
   "get": {
    "summary": "List users (scope tessera:admin)",
    "security": [
     {
      "bearer": [
       "tessera:admin"
      ]
     }
    ],
    "parameters": [
     {
      "name": "limit",
      "in": "query",
      "schema": {
       "type": "integer",
       "minimum": 1,
       "maximum": 500
      }
     },
     {
      "name": "after",
      "in": "query",
      "schema": {
       "type": "string"
      }
     }
    ],
    "responses": {
     "200": {
      "description": "a page of users",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/UserList"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/UserNotFound"
     },
     "409": {
      "$ref": "#/components/responses/UsernameTaken"
     },
     "422": {
      "$ref": "#/components/responses/InvalidField"
     },
     "429": {
      "$ref": "#/components/responses/TooManyRequests"
     },
     "503": {
      "$ref": "#/components/responses/Unavailable"
     }
    }
   },
   "post": {
    "summary": "Create a user (scope tessera:admin)",
    "security": [
     {
      "bearer": [
       "tessera:admin"
      ]
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "type": "object",
        "properties": {
         "username": {
          "type": "string"
         },
         "password": {
          "type": "string"
         }
        },
        "required": [
         "username",
         "password"
        ]
       }
      }
     }
    },
    "responses": {
     "201": {
      "description": "created",
      "headers": {
       "Location": {
        "schema": {
         "type": "string"
        }
       }
      },
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/User"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/UserNotFound"
     },
     "409": {
      "$ref": "#/components/responses/UsernameTaken"
     },
     "422": {
      "$ref": "#/components/responses/InvalidField"
     },
     "429": {
      "$ref": "#/components/responses/TooManyRequests"
     },
     "503": {
      "$ref": "#/components/responses/Unavailable"
     }
    }
   }
  },
  "/v1/users/{id}": {
   "parameters": [
    {
     "name": "id",
     "in": "path",
     "required": true,
     "schema": {
      "type": "string"
     }
    }
   ],
   "get": {
    "summary": "A user",
    "security": [
     {
      "bearer": [
       "tessera:admin"
      ]
     }
    ],
    "responses": {
     "200": {
      "description": "the user",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/User"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/UserNotFound"
     },
     "409": {
      "$ref": "#/components/responses/UsernameTaken"
     },
     "422": {
      "$ref": "#/components/responses/InvalidField"
     },
     "429": {
      "$ref": "#/components/responses/TooManyRequests"
     },
     "503": {
      "$ref": "#/components/responses/Unavailable"
     }
    }
   },
   "put": {
    "summary": "Update a user",
    "security": [
     {
      "bearer": [
       "tessera:admin"
      ]
     }
    ],
    "requestBody": {
     "$ref": "#/components/requestBodies/UserUpdate"
    },
    "responses": {
     "200": {
      "$ref": "#/components/responses/UserUpdated"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/UserNotFound"
     },
     "409": {
      "$ref": "#/components/responses/UsernameTaken"
     },
     "422": {
      "$ref": "#/components/responses/InvalidField"
     },
     "429": {
      "$ref": "#/components/responses/TooManyRequests"
     },
     "503": {
      "$ref": "#/components/responses/Unavailable"
     }
    }
   },
   "patch": {
    "summary": "Update a user",
    "security": [
     {
      "bearer": [
       "tessera:admin"
      ]
     }
    ],
    "requestBody": {
     "$ref": "#/components/requestBodies/UserUpdate"
    },
    "responses": {
     "200": {
      "$ref": "#/components/responses/UserUpdated"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/UserNotFound"
     },
     "409": {
      "$ref": "#/components/responses/UsernameTaken"
     },
     "422": {
      "$ref": "#/components/responses/InvalidField"
     },
     "429": {
      "$ref": "#/components/responses/TooManyRequests"
     },
     "503": {
      "$ref": "#/components/responses/Unavailable"
     }
    }
   },
   "delete": {
    "summary": "Delete a user after ending their sessions",
    "security": [
     {
      "bearer": [
       "tessera:admin"
      ]
     }
    ],
    "responses": {
     "204": {
      "description": "deleted"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/UserNotFound"
     },
     "409": {
      "$ref": "#/components/responses/UsernameTaken"
     },
     "422": {
      "$ref": "#/components/responses/InvalidField"
     },
     "429": {
      "$ref": "#/components/responses/TooManyRequests"
     },
     "503": {
      "$ref": "#/components/responses/Unavailable"
     }
    }
   }
  },
  "/v1/signup": {
   "post": {
    "summary": "Open signup (off unless http.signup is true)",
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "type": "object",
        "properties": {
         "username": {
          "type": "string"
         },
         "password": {
          "type": "string"
         }
        },
        "required": [
         "username",
         "password"
        ]
       }
      }
     }
    },
    "responses": {
     "201": {
      "description": "created",
      "headers": {
       "Location": {
        "schema": {
         "type": "string"
        }
       }
      },
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/User"
        }
       }
      }
     },
     "404": {
      "description": "signup is off",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "409": {
      "$ref": "#/components/responses/UsernameTaken"
     },
     "422": {
      "$ref": "#/components/responses/InvalidField"
     },
     "429": {
      "$ref": "#/components/responses/TooManyRequests"
     },
     "503": {
      "$ref": "#/components/responses/Unavailable"
     }
    }
   }
  },
  "/.well-known/oauth-authorization-server": {
   "get": {
    "summary": "Authorization server metadata (RFC 8414)",
    "responses": {
     "200": {
      "description": "metadata",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "required": [
          "issuer",
          "token_endpoint",
          "response_types_supported"
         ],
         "additionalProperties": true
        }
       }
      }
     }
    }
   }
  },
  "/.well-known/jwks.json": {
   "get": {
    "summary": "Public keys: always empty (HMAC keys are never published)",
    "responses": {
     "200": {
      "description": "JWK Set",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "required": [
          "keys"
         ],
         "properties": {
          "keys": {
           "type": "array",
           "maxItems": 0
          }
         }
        }
       }
      }
     }
    }
   }
  },
  "/healthz": {
   "get": {
    "summary": "Liveness",
    "responses": {
     "200": {
      "description": "alive",
      "content": {
       "application/json": {
        "schema": {
         "type": "object"
        }
       }
      }
     }
    }
   }
  },
  "/readyz": {
   "get": {
    "summary": "Readiness: the store answers",
    "responses": {
     "200": {
      "description": "ready",
      "content": {
       "application/json": {
        "schema": {
         "type": "object"
        }
       }
      }
     },
     "503": {
      "$ref": "#/components/responses/Unavailable"
     }
    }
   }
  },
  "/metrics": {
   "get": {
    "summary": "Prometheus metrics",
    "responses": {
     "200": {
      "description": "text exposition format",
      "content": {
       "text/plain": {
        "schema": {
         "type": "string"
        }
       }
      }
     }
    }
   }
  },
  "/openapi.json": {
   "get": {
    "summary": "This document",
    "responses": {
     "200": {
      "description": "OpenAPI 3.1",
      "content": {
       "application/json": {
        "schema": {
         "type": "object"
        }
       }
      }
     }
    }
   }
  }
 }
}
"""#
}

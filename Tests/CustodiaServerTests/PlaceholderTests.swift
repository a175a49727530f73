import Testing
@testable import CustodiaServer

import Testing
@testable import CustodiaWeb

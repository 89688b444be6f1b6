package io.ktls4j.conformance;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The two {@code tls_err} variants: {@code 12_aes_gcm} and {@code 13_aes_gcm} (AES_GCM_128, generation 0). */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@ParameterizedTest(name = "[{index}] {0}")
@EnumSource(value = Variant.class, names = {"V12_AES_GCM", "V13_AES_GCM"})
public @interface TlsErrVariants {
}
